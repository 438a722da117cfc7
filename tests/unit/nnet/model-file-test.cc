// tests/unit/nnet/model-file-test.cc
// Model files: round trip, readability by h5py and h5dump, every load error naming the
// tensor, atomic writes, and the resume test: N steps, save, load into fresh objects,
// M more steps == N + M uninterrupted steps, bit for bit.
#include "nnet/model-file.h"

#include <gtest/gtest.h>

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include "io/h5-file.h"
#include "nnet-test-util.h"
#include "nnet/grad-clip.h"
#include "nnet/linear.h"
#include "nnet/lr-schedule.h"
#include "nnet/ops/elementwise.h"
#include "nnet/ops/misc.h"
#include "nnet/ops/reduce.h"

namespace voxtools {
namespace {

// A running mean of its input's rows: a buffer updated in place, as batch norm's statistics.
class RunningMean : public Module {
 public:
  explicit RunningMean(int64_t dim) { mean_ = RegisterBuffer("running_mean", Tensor({dim})); }
  std::string TypeName() const override { return "RunningMean"; }
  void Update(const Tensor &x) {  // x (N, dim)
    float *m = mean_.MutableValue().Data();
    const int64_t n = x.Dim(0), dim = x.Dim(1);
    for (int64_t j = 0; j < dim; j++) {
      double s = 0;
      for (int64_t i = 0; i < n; i++) s += x.Data()[i * dim + j];
      m[j] = 0.9f * m[j] + 0.1f * static_cast<float>(s / n);
    }
  }

 private:
  Var mean_;
};

class Net : public Module {
 public:
  explicit Net(RandomGenerator *rng, int64_t hidden = 8) {
    fc1_ = RegisterModule("fc1", std::make_shared<Linear>(5, hidden, true, rng));
    fc2_ = RegisterModule("fc2", std::make_shared<Linear>(hidden, 3, true, rng));
    stats_ = RegisterModule("stats", std::make_shared<RunningMean>(5));
  }
  std::string TypeName() const override { return "Net"; }
  // Dropout draws from rng, so a resumed run must restore the generator too.
  Var Forward(const Var &x, RandomGenerator *rng) {
    if (Training()) stats_->Update(x.value());
    return fc2_->Forward(Dropout(Gelu(fc1_->Forward(x)), 0.2f, Training(), rng));
  }

 private:
  std::shared_ptr<Linear> fc1_, fc2_;
  std::shared_ptr<RunningMean> stats_;
};

JsonValue Config(int64_t hidden = 8) {
  JsonValue c = JsonValue::Object();
  c.Set("type", JsonValue::String("test-net"));
  c.Set("hidden", JsonValue::Int(hidden));
  return c;
}

class ModelFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vox-model-file-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string Path(const std::string &name) const { return dir_ + "/" + name; }
  // Entries of the directory (to see that no temporary is left behind).
  std::vector<std::string> Files() const {
    std::vector<std::string> out;
    DIR *d = opendir(dir_.c_str());
    while (dirent *e = readdir(d))
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
        out.push_back(e->d_name);
    closedir(d);
    return out;
  }
  std::string dir_;
};

void ExpectBitIdentical(const NamedVars &a, const NamedVars &b, const std::string &what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); i++) {
    ASSERT_EQ(a[i].first, b[i].first);
    ASSERT_EQ(a[i].second.shape(), b[i].second.shape()) << a[i].first;
    EXPECT_EQ(0, std::memcmp(a[i].second.value().Data(), b[i].second.value().Data(),
                             a[i].second.NumElements() * sizeof(float)))
        << what << ": " << a[i].first << " differs";
  }
}

// Expects f to throw an Error whose message contains every string in `parts`.
template <class F>
void ExpectErrorWith(F f, const std::vector<std::string> &parts) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one mentioning " << parts[0];
  } catch (const Error &e) {
    for (const std::string &p : parts)
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos)
          << "'" << p << "' not in: " << e.what();
  }
}

TEST_F(ModelFileTest, RoundTripAndConfig) {
  RandomGenerator rng(1);
  Net a(&rng);
  a.Forward(Var(test::RandomNormal({4, 5}, 2)), &rng);  // the buffer becomes non-zero
  SaveModel(Path("m.h5"), a, Config());
  Net b(nullptr);  // zeros
  LoadModel(Path("m.h5"), &b);
  ExpectBitIdentical(a.NamedParameters(), b.NamedParameters(), "params");
  ExpectBitIdentical(a.NamedBuffers(), b.NamedBuffers(), "buffers");
  EXPECT_NE(b.Find("stats/running_mean").value().At({0}), 0.0f);
  EXPECT_EQ(ReadModelConfig(Path("m.h5")).ToString(), Config().ToString());
  H5File f(Path("m.h5"), H5File::Mode::kRead);
  EXPECT_TRUE(f.HasDataset("params/fc1/weight"));
  EXPECT_TRUE(f.HasDataset("buffers/stats/running_mean"));
  EXPECT_EQ(f.Info("params/fc1/weight").type, H5Type::kFloat32);
  std::string type;
  TrainState state;
  EXPECT_FALSE(ReadCheckpointInfo(f, &type, &state));
  EXPECT_EQ(Files(), std::vector<std::string>{"m.h5"});
  EXPECT_FALSE(ForwardFlopsPerSecond(Config()).has_value());  // no estimate yet
  EXPECT_THROW(SaveModel(Path("bad.h5"), a, JsonValue::String("x")), Error);
}

TEST_F(ModelFileTest, ReadableByH5pyAndH5dump) {
  RandomGenerator rng(1);
  Net a(&rng);
  SaveModel(Path("m.h5"), a, Config());
  const char *py = std::getenv("VOX_PYTHON");
  const std::string python = py ? py : "/usr/bin/python3";
  const std::string out = Path("h5py.txt");
  const std::string script =
      "import sys, json, h5py\n"
      "f = h5py.File(sys.argv[1], 'r')\n"
      "print(json.loads(f.attrs['config'])['type'])\n"
      "f.visititems(lambda n, o: print(n, o.dtype, o.shape, float(o[()].ravel()[0]))"
      " if isinstance(o, h5py.Dataset) else None)\n";
  bool have_h5py = std::system((python + " -c 'import h5py' 2>/dev/null").c_str()) == 0;
  bool have_h5dump = std::system("command -v h5dump >/dev/null 2>&1") == 0;
  if (have_h5py) {
    std::ofstream(Path("check.py")) << script;
    ASSERT_EQ(0, std::system((python + " " + Path("check.py") + " " + Path("m.h5") + " > " + out)
                                 .c_str()));
    std::ifstream in(out);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text.substr(0, 9), "test-net\n") << text;
    EXPECT_NE(text.find("buffers/stats/running_mean float32 (5,)"), std::string::npos) << text;
    EXPECT_NE(text.find("params/fc1/weight float32 (8, 5) "), std::string::npos) << text;
  }
  if (have_h5dump) {
    ASSERT_EQ(0, std::system(("h5dump -H " + Path("m.h5") + " > " + out).c_str()));
    std::ifstream in(out);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("ATTRIBUTE \"config\""), std::string::npos) << text;
    EXPECT_NE(text.find("DATASET \"weight\""), std::string::npos) << text;
    EXPECT_NE(text.find("H5T_IEEE_F32LE"), std::string::npos) << text;
  }
  if (!have_h5py || !have_h5dump)
    GTEST_SKIP() << "needs " << python << " with h5py and h5dump (python3-h5py, hdf5-tools)";
}

TEST_F(ModelFileTest, LoadErrorsNameTheTensorAndLeaveTheModelUnchanged) {
  RandomGenerator rng(1);
  Net a(&rng), wide(&rng, 9);
  SaveModel(Path("m.h5"), a, Config());
  SaveModel(Path("wide.h5"), wide, Config(9));
  Net target(nullptr);
  // Shape mismatch: the tensor, the shape found and the shape expected.
  ExpectErrorWith([&] { LoadModel(Path("wide.h5"), &target); },
                  {"wide.h5", "fc1/weight", "(9, 5)", "(8, 5)"});
  for (auto &p : target.NamedParameters())
    for (float v : p.second.value().ToVector()) ASSERT_EQ(v, 0.0f) << p.first << " changed";

  // Unknown and missing names: write files with one tensor extra / one missing.
  {
    H5File f(Path("extra.h5"), H5File::Mode::kTruncate);
    f.SetAttribute("", "config", Config().ToString());
    for (auto &p : a.NamedParameters())
      f.Write("params/" + p.first, p.second.shape().ToVector(), p.second.value().Data());
    for (auto &p : a.NamedBuffers())
      f.Write("buffers/" + p.first, p.second.shape().ToVector(), p.second.value().Data());
    float x[2] = {1, 2};
    f.Write("params/fc3/weight", {2}, x);
  }
  ExpectErrorWith([&] { LoadModel(Path("extra.h5"), &target); },
                  {"fc3/weight", "(2)", "not in the model"});
  {
    H5File f(Path("missing.h5"), H5File::Mode::kTruncate);
    f.SetAttribute("", "config", Config().ToString());
    for (auto &p : a.NamedParameters())
      if (p.first != "fc2/bias")
        f.Write("params/" + p.first, p.second.shape().ToVector(), p.second.value().Data());
  }
  ExpectErrorWith([&] { LoadModel(Path("missing.h5"), &target); },
                  {"fc2/bias", "(3)", "missing"});
  // NaN in a parameter.
  {
    H5File f(Path("nan.h5"), H5File::Mode::kTruncate);
    f.SetAttribute("", "config", Config().ToString());
    for (auto &p : a.NamedParameters()) {
      std::vector<float> v = p.second.value().ToVector();
      if (p.first == "fc1/bias") v[3] = NAN;
      f.Write("params/" + p.first, p.second.shape().ToVector(), v.data());
    }
    for (auto &p : a.NamedBuffers())
      f.Write("buffers/" + p.first, p.second.shape().ToVector(), p.second.value().Data());
  }
  ExpectErrorWith([&] { LoadModel(Path("nan.h5"), &target); }, {"fc1/bias", "nan", "element 3"});
  // A feature file (HDF5, no config), a broken config, a text file, a truncated model.
  {
    H5File f(Path("feats.h5"), H5File::Mode::kTruncate);
    float x[2] = {1, 2};
    f.Write("utt1", {1, 2}, x);
  }
  ExpectErrorWith([&] { LoadModel(Path("feats.h5"), &target); }, {"feats.h5", "config"});
  {
    H5File f(Path("badconfig.h5"), H5File::Mode::kTruncate);
    f.SetAttribute("", "config", "{\"type\": ");
  }
  ExpectErrorWith([&] { ReadModelConfig(Path("badconfig.h5")); }, {"badconfig.h5", "config"});
  std::ofstream(Path("text.h5")) << "not hdf5\n";
  ExpectErrorWith([&] { LoadModel(Path("text.h5"), &target); }, {"text.h5"});
  {
    std::ifstream in(Path("m.h5"), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(Path("trunc.h5"), std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  }
  ExpectErrorWith([&] { LoadModel(Path("trunc.h5"), &target); }, {"trunc.h5"});
  ExpectErrorWith([&] { LoadModel(Path("nonexistent.h5"), &target); }, {"nonexistent.h5"});
  for (auto &p : target.NamedParameters())
    for (float v : p.second.value().ToVector()) ASSERT_EQ(v, 0.0f) << p.first << " changed";
}

TEST_F(ModelFileTest, FailedWriteLeavesNoFileAndKeepsTheOldOne) {
  RandomGenerator rng(1);
  Net good(&rng), bad(&rng);
  SaveModel(Path("m.h5"), good, Config());
  // fc2 is written after fc1, so this fails part-way through the file.
  bad.Find("fc2/weight").MutableValue().Data()[5] = INFINITY;
  ExpectErrorWith([&] { SaveModel(Path("m.h5"), bad, Config()); }, {"params/fc2/weight", "inf"});
  EXPECT_EQ(Files(), std::vector<std::string>{"m.h5"});  // no temporary left
  Net back(nullptr);
  LoadModel(Path("m.h5"), &back);  // still the good model
  ExpectBitIdentical(good.NamedParameters(), back.NamedParameters(), "old file kept");
  ExpectErrorWith([&] { SaveModel(Path("no/such/dir/m.h5"), good, Config()); }, {"no/such/dir"});
  EXPECT_EQ(Files(), std::vector<std::string>{"m.h5"});
}

// Training steps [from, to) of the resume test: dropout from rng, the buffer updated, AdamW or
// SGD with two groups, clipping, an LR schedule with warm-up.
void Train(Net *net, Optimizer *opt, RandomGenerator *rng, const LrSchedule &schedule,
           int64_t from, int64_t to) {
  net->Train();
  for (int64_t step = from; step < to; step++) {
    Var x(test::RandomNormal({6, 5}, 100 + step));
    std::vector<int64_t> labels;
    for (int i = 0; i < 6; i++) labels.push_back((step + i) % 3);
    opt->ZeroGrad();
    CrossEntropy(net->Forward(x, rng), labels).Backward();
    ClipGradNorm(opt->Parameters(), 0.5);
    opt->Step(schedule.LearningRate(step));
  }
}

std::unique_ptr<Optimizer> MakeOptimizer(OptimizerType type, const Net &net) {
  auto groups = GroupParameters(net.NamedParameters(), {{"fc1", 0.3}});
  if (type == OptimizerType::kSgd) return std::make_unique<Sgd>(groups, SgdOptions());
  AdamOptions o;
  o.weight_decay = 0.01;
  o.amsgrad = true;
  return std::make_unique<Adam>(groups, o, type == OptimizerType::kAdamW);
}

TEST_F(ModelFileTest, ResumedTrainingIsBitIdentical) {
  const int64_t kN = 5, kM = 4;
  LrScheduleOptions so;
  so.initial_lr = 0.05;
  so.final_lr = 1e-3;
  so.num_epochs = 3;
  so.epoch_iter = 4;
  so.warm_up_epochs = 1;
  so.warm_from_zero = true;
  for (OptimizerType type : {OptimizerType::kAdamW, OptimizerType::kSgd}) {
    SCOPED_TRACE(OptimizerTypeName(type));
    const LrSchedule schedule(so);
    // Uninterrupted N + M steps.
    RandomGenerator init(3);
    Net ref(&init);
    RandomGenerator ref_rng(42);
    auto ref_opt = MakeOptimizer(type, ref);
    Train(&ref, ref_opt.get(), &ref_rng, schedule, 0, kN + kM);

    // N steps, checkpoint, then everything fresh (other seeds) and resumed.
    RandomGenerator init2(3);
    Net first(&init2);
    RandomGenerator rng(42);
    auto opt = MakeOptimizer(type, first);
    Train(&first, opt.get(), &rng, schedule, 0, kN);
    TrainState saved;
    saved.step = kN;
    saved.epoch = kN / so.epoch_iter;
    saved.rng_state = rng.State();
    saved.lr_schedule = so.ToJson();
    saved.extra = JsonValue::Object();
    saved.extra.Set("sampler_position", JsonValue::Int(123));
    SaveCheckpoint(Path("ckpt.h5"), first, Config(), *opt, saved);

    RandomGenerator other(999);
    Net resumed(&other);
    auto opt2 = MakeOptimizer(type, resumed);
    TrainState state;
    LoadCheckpoint(Path("ckpt.h5"), &resumed, opt2.get(), &state);
    EXPECT_EQ(state.step, kN);
    EXPECT_EQ(state.epoch, 1);
    EXPECT_EQ(state.extra.ToString(), saved.extra.ToString());
    RandomGenerator rng2(7);
    rng2.SetState(state.rng_state);
    const LrSchedule schedule2(LrScheduleOptions::FromJson(state.lr_schedule));
    Train(&resumed, opt2.get(), &rng2, schedule2, state.step, kN + kM);

    ExpectBitIdentical(ref.NamedParameters(), resumed.NamedParameters(), "params");
    ExpectBitIdentical(ref.NamedBuffers(), resumed.NamedBuffers(), "buffers");
    for (const std::string &p : ref_opt->ParamPaths()) {
      const Optimizer::ParamState *a = ref_opt->State(p), *b = opt2->State(p);
      ASSERT_TRUE(a != nullptr && b != nullptr) << p;
      EXPECT_EQ(a->step, b->step) << p;
      ASSERT_EQ(a->tensors.size(), b->tensors.size());
      for (size_t k = 0; k < a->tensors.size(); k++)
        EXPECT_EQ(0, std::memcmp(a->tensors[k].Data(), b->tensors[k].Data(),
                                 a->tensors[k].NumElements() * sizeof(float)))
            << p << " state " << k;
    }
    // Non-trivial: the N + M steps moved the parameters away from the initialisation.
    RandomGenerator init3(3);
    Net untrained(&init3);
    EXPECT_NE(0, std::memcmp(untrained.Find("fc1/weight").value().Data(),
                             ref.Find("fc1/weight").value().Data(), 40 * sizeof(float)));
    // A plain LoadModel of a checkpoint reads just the model.
    Net plain(nullptr);
    LoadModel(Path("ckpt.h5"), &plain);
    ExpectBitIdentical(first.NamedParameters(), plain.NamedParameters(), "LoadModel(ckpt)");
  }
}

TEST_F(ModelFileTest, CheckpointErrors) {
  RandomGenerator rng(1);
  Net net(&rng);
  auto adam = MakeOptimizer(OptimizerType::kAdam, net);
  RandomGenerator drop(2);
  Train(&net, adam.get(), &drop, LrSchedule(LrScheduleOptions()), 0, 2);
  TrainState state;
  state.step = 2;
  SaveCheckpoint(Path("ckpt.h5"), net, Config(), *adam, state);
  SaveModel(Path("model.h5"), net, Config());

  H5File f(Path("ckpt.h5"), H5File::Mode::kRead);
  EXPECT_TRUE(f.HasDataset("optimizer/state/fc1/weight/exp_avg"));
  EXPECT_TRUE(f.HasDataset("optimizer/state/fc1/weight/step"));
  EXPECT_TRUE(f.HasDataset("optimizer/hyperparameters/beta2"));
  std::string type;
  TrainState read;
  EXPECT_TRUE(ReadCheckpointInfo(f, &type, &read));
  EXPECT_EQ(type, "adam");
  EXPECT_EQ(read.step, 2);
  EXPECT_TRUE(read.rng_state.empty());
  EXPECT_TRUE(read.lr_schedule.IsNull());

  Net fresh(nullptr);
  auto sgd = MakeOptimizer(OptimizerType::kSgd, fresh);
  ExpectErrorWith([&] { LoadCheckpoint(Path("ckpt.h5"), &fresh, sgd.get(), &state); },
                  {"adam", "sgd"});
  auto adam2 = MakeOptimizer(OptimizerType::kAdam, fresh);
  ExpectErrorWith([&] { LoadCheckpoint(Path("model.h5"), &fresh, adam2.get(), &state); },
                  {"model.h5", "not a training checkpoint"});
  // An optimiser over another model's parameters.
  Net other(nullptr);
  auto foreign = MakeOptimizer(OptimizerType::kAdam, other);
  ExpectErrorWith([&] { LoadCheckpoint(Path("ckpt.h5"), &fresh, foreign.get(), &state); },
                  {"weight", "not the model's"});
  for (auto &p : fresh.NamedParameters())
    for (float v : p.second.value().ToVector()) ASSERT_EQ(v, 0.0f) << p.first << " changed";
  EXPECT_EQ(adam2->State("fc1/weight"), nullptr);
}

}  // namespace
}  // namespace voxtools
