// src/nnet/model-file.cc
#include "nnet/model-file.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "base/log.h"
#include "io/h5-file.h"
#include "nnet/ssl-config.h"
#include "nnet/ssl-xvector.h"

namespace voxtools {
namespace {

constexpr const char *kFormat = "voxtools-model";
constexpr double kFormatVersion = 1;

std::string ShapeString(const std::vector<int64_t> &shape) {
  std::ostringstream os;
  os << "(";
  for (size_t i = 0; i < shape.size(); i++) os << (i ? ", " : "") << shape[i];
  os << ")";
  return os.str();
}

// Runs write(&file) on <path>.tmp.<pid> and renames it to path; on any failure the
// temporary is removed and the error passed on.
template <class F>
void WriteAtomically(const std::string &path, F write) {
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  try {
    H5File file(tmp, H5File::Mode::kTruncate);
    write(&file);
    file.Close();
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    std::remove(tmp.c_str());
    VOX_ERR << "cannot rename " << tmp << " to " << path << ": " << std::strerror(err);
  }
}

void CheckFinite(const std::string &path, const std::string &what, const float *d, int64_t n) {
  for (int64_t i = 0; i < n; i++)
    if (!std::isfinite(d[i]))
      VOX_ERR << path << ": " << what << " holds " << d[i] << " at element " << i;
}

void WriteTensor(H5File *file, const std::string &key, const Tensor &t) {
  CheckFinite(file->Path(), key, t.Data(), t.NumElements());
  file->Write(key, t.shape().ToVector(), t.Data());
}

void WriteScalar(H5File *file, const std::string &key, double value) {
  file->Write(key, {}, &value);
}

double ReadScalar(const H5File &file, const std::string &key) {
  std::vector<int64_t> shape;
  std::vector<double> data;
  file.Read(key, &shape, &data);
  if (data.size() != 1)
    VOX_ERR << file.Path() << ": " << key << " should hold one number, has shape "
            << ShapeString(shape);
  return data[0];
}

int64_t ReadCount(const H5File &file, const std::string &key) {
  double v = ReadScalar(file, key);
  if (!(v >= 0 && v < 9e15 && v == std::floor(v)))
    VOX_ERR << file.Path() << ": " << key << " = " << v << " is not a count";
  return static_cast<int64_t>(v);
}

void WriteModelParts(H5File *file, const Module &model, const JsonValue &config) {
  if (!config.IsObject())
    VOX_ERR << "model config must be a JSON object, got " << JsonValue::TypeName(config.GetType());
  file->SetAttribute("", "format", kFormat);
  file->SetAttribute("", "format_version", kFormatVersion);
  file->SetAttribute("", "config", config.ToString());
  for (const auto &p : model.NamedParameters()) WriteTensor(file, "params/" + p.first, p.second.value());
  for (const auto &b : model.NamedBuffers()) WriteTensor(file, "buffers/" + b.first, b.second.value());
}

JsonValue GroupsJson(const Optimizer &opt) {
  JsonValue groups = JsonValue::Array();
  for (const ParamGroup &g : opt.Groups()) {
    JsonValue j = JsonValue::Object();
    j.Set("prefix", JsonValue::String(g.prefix));
    j.Set("lr_scale", JsonValue::Float(g.lr_scale));
    j.Set("num_params", JsonValue::Int(static_cast<int64_t>(g.params.size())));
    groups.Append(j);
  }
  return groups;
}

// Opens path for reading; a format attribute, if present, must be ours. (The config is
// what identifies a model file; ReadConfig checks it.)
std::unique_ptr<H5File> OpenModelFile(const std::string &path) {
  auto file = std::make_unique<H5File>(path, H5File::Mode::kRead);
  std::string format;
  if (file->GetAttribute("", "format", &format)) {
    if (format != kFormat)
      VOX_ERR << path << " is not a voxtools model file (format '" << format << "')";
    double version = 0;
    if (!file->GetAttribute("", "format_version", &version) || version != kFormatVersion)
      VOX_ERR << path << ": unsupported model file version " << version << " (expected "
              << kFormatVersion << ")";
  }
  return file;
}

JsonValue ReadConfig(const H5File &file) {
  std::string text;
  if (!file.GetAttribute("", "config", &text))
    VOX_ERR << file.Path() << " is not a model file (no root attribute 'config')";
  JsonValue config = ParseJson(text, file.Path() + ": config");
  if (!config.IsObject()) VOX_ERR << file.Path() << ": config is not a JSON object";
  return config;
}

// Dataset keys under `group` + "/", with the prefix removed, in file order.
std::vector<std::string> KeysUnder(const std::vector<std::string> &keys, const std::string &group) {
  std::vector<std::string> out;
  const std::string prefix = group + "/";
  for (const std::string &k : keys)
    if (k.compare(0, prefix.size(), prefix) == 0) out.push_back(k.substr(prefix.size()));
  return out;
}

// Reads the tensors under `group` (params or buffers) for exactly the names in `expected`,
// checking names, shapes and values; fills *out parallel to expected.
void ReadTensorSet(const H5File &file, const std::vector<std::string> &all_keys,
                   const std::string &group, const NamedVars &expected, std::vector<Tensor> *out) {
  const std::string what = group == "params" ? "parameter" : "buffer";
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < expected.size(); i++) index[expected[i].first] = i;
  out->assign(expected.size(), Tensor());
  for (const std::string &name : KeysUnder(all_keys, group)) {
    const std::string key = group + "/" + name;
    auto it = index.find(name);
    if (it == index.end())
      VOX_ERR << file.Path() << ": " << what << " '" << name << "' (shape "
              << ShapeString(file.Info(key).shape) << ") is not in the model";
    const Shape &want = expected[it->second].second.shape();
    std::vector<int64_t> shape;
    std::vector<float> data;
    H5DatasetInfo info = file.Info(key);
    if (info.shape != want.ToVector())
      VOX_ERR << file.Path() << ": " << what << " '" << name << "' has shape "
              << ShapeString(info.shape) << " in the file, the model expects "
              << want.ToString();
    file.Read(key, &shape, &data);
    CheckFinite(file.Path(), what + " '" + name + "'", data.data(),
                static_cast<int64_t>(data.size()));
    (*out)[it->second] = Tensor::FromVector(want, data);
  }
  for (size_t i = 0; i < expected.size(); i++)
    if (!(*out)[i].Defined())
      VOX_ERR << file.Path() << ": " << what << " '" << expected[i].first << "' (shape "
              << expected[i].second.shape().ToString() << ") is missing from the file";
}

// Reads and checks params/ and buffers/ into tensors, without touching the model.
struct ModelTensors {
  NamedVars params, buffers;
  std::vector<Tensor> param_values, buffer_values;
};

ModelTensors ReadModelTensors(const H5File &file, const std::vector<std::string> &keys,
                              const Module &model) {
  ModelTensors t;
  t.params = model.NamedParameters();
  t.buffers = model.NamedBuffers();
  ReadTensorSet(file, keys, "params", t.params, &t.param_values);
  ReadTensorSet(file, keys, "buffers", t.buffers, &t.buffer_values);
  return t;
}

void Assign(const ModelTensors &t) {
  for (size_t i = 0; i < t.params.size(); i++)
    const_cast<Var &>(t.params[i].second).MutableValue().CopyFrom(t.param_values[i]);
  for (size_t i = 0; i < t.buffers.size(); i++)
    const_cast<Var &>(t.buffers[i].second).MutableValue().CopyFrom(t.buffer_values[i]);
}

JsonValue ReadJsonAttribute(const H5File &file, const std::string &key, const std::string &name) {
  std::string text;
  if (!file.GetAttribute(key, name, &text)) return JsonValue();
  return ParseJson(text, file.Path() + ": " + key + " attribute " + name);
}

TrainState ReadTrainState(const H5File &file) {
  TrainState s;
  s.step = ReadCount(file, "train_state/step");
  s.epoch = ReadCount(file, "train_state/epoch");
  file.GetAttribute("train_state", "rng_state", &s.rng_state);
  s.lr_schedule = ReadJsonAttribute(file, "train_state", "lr_schedule");
  s.extra = ReadJsonAttribute(file, "train_state", "extra");
  return s;
}

}  // namespace

void SaveModel(const std::string &path, const Module &model, const JsonValue &config) {
  WriteAtomically(path, [&](H5File *file) { WriteModelParts(file, model, config); });
}

void SaveCheckpoint(const std::string &path, const Module &model, const JsonValue &config,
                    const Optimizer &optimizer, const TrainState &state) {
  if (state.step < 0 || state.epoch < 0)
    VOX_ERR << "train state step " << state.step << ", epoch " << state.epoch;
  WriteAtomically(path, [&](H5File *file) {
    WriteModelParts(file, model, config);
    for (const auto &h : optimizer.HyperParameters())
      WriteScalar(file, "optimizer/hyperparameters/" + h.first, h.second);
    file->SetAttribute("optimizer", "type", OptimizerTypeName(optimizer.Type()));
    file->SetAttribute("optimizer", "groups", GroupsJson(optimizer).ToString());
    const std::vector<std::string> names = optimizer.StateNames();
    for (const std::string &p : optimizer.ParamPaths()) {
      const Optimizer::ParamState *s = optimizer.State(p);
      if (s == nullptr) continue;
      const std::string prefix = "optimizer/state/" + p + "/";
      WriteScalar(file, prefix + "step", static_cast<double>(s->step));
      for (size_t k = 0; k < names.size(); k++)
        if (s->tensors[k].Defined()) WriteTensor(file, prefix + names[k], s->tensors[k]);
    }
    WriteScalar(file, "train_state/step", static_cast<double>(state.step));
    WriteScalar(file, "train_state/epoch", static_cast<double>(state.epoch));
    if (!state.rng_state.empty()) file->SetAttribute("train_state", "rng_state", state.rng_state);
    if (!state.lr_schedule.IsNull())
      file->SetAttribute("train_state", "lr_schedule", state.lr_schedule.ToString());
    if (!state.extra.IsNull()) file->SetAttribute("train_state", "extra", state.extra.ToString());
  });
}

JsonValue ReadModelConfig(const std::string &path) { return ReadConfig(*OpenModelFile(path)); }

void LoadModel(const std::string &path, Module *model) {
  std::unique_ptr<H5File> file = OpenModelFile(path);
  ReadConfig(*file);
  ModelTensors t = ReadModelTensors(*file, file->ListDatasets(), *model);
  Assign(t);
}

void LoadCheckpoint(const std::string &path, Module *model, Optimizer *optimizer,
                    TrainState *state) {
  std::unique_ptr<H5File> file = OpenModelFile(path);
  ReadConfig(*file);
  const std::vector<std::string> keys = file->ListDatasets();
  if (!file->HasDataset("train_state/step"))
    VOX_ERR << path << " is a model file, not a training checkpoint (no train_state)";
  ModelTensors t = ReadModelTensors(*file, keys, *model);

  // The optimiser's parameters must be the model's, by path and by identity.
  {
    std::map<std::string, const void *> ids;
    for (const auto &p : t.params) ids[p.first] = p.second.Id();
    const std::vector<std::string> paths = optimizer->ParamPaths();
    const std::vector<Var> vars = optimizer->Parameters();
    for (size_t i = 0; i < paths.size(); i++) {
      auto it = ids.find(paths[i]);
      if (it == ids.end() || it->second != vars[i].Id())
        VOX_ERR << "the optimiser's parameter '" << paths[i] << "' is not the model's";
    }
  }
  std::string type;
  if (!file->GetAttribute("optimizer", "type", &type))
    VOX_ERR << path << ": optimizer has no type attribute";
  if (type != OptimizerTypeName(optimizer->Type()))
    VOX_ERR << path << ": checkpoint of a " << type << " optimiser, resuming with "
            << OptimizerTypeName(optimizer->Type());
  for (const auto &h : optimizer->HyperParameters()) {
    const std::string key = "optimizer/hyperparameters/" + h.first;
    if (!file->HasDataset(key)) {
      VOX_WARN << path << ": no saved value of optimiser hyper-parameter " << h.first;
      continue;
    }
    double saved = ReadScalar(*file, key);
    if (saved != h.second)
      VOX_WARN << "optimiser hyper-parameter " << h.first << " was " << saved
               << " in " << path << ", now " << h.second;
  }
  std::string groups;
  if (file->GetAttribute("optimizer", "groups", &groups) &&
      groups != GroupsJson(*optimizer).ToString())
    VOX_WARN << "parameter groups were " << groups << " in " << path << ", now "
             << GroupsJson(*optimizer).ToString();

  // optimizer/state/<param path>/<name>: the name is after the last '/'.
  std::map<std::string, Shape> param_shapes;
  for (const auto &p : t.params) param_shapes[p.first] = p.second.shape();
  std::set<std::string> held;
  for (const std::string &p : optimizer->ParamPaths()) held.insert(p);
  const std::vector<std::string> names = optimizer->StateNames();
  std::map<std::string, Optimizer::ParamState> states;
  std::map<std::string, bool> has_step;
  for (const std::string &rest : KeysUnder(keys, "optimizer/state")) {
    const std::string key = "optimizer/state/" + rest;
    size_t slash = rest.rfind('/');
    if (slash == std::string::npos) VOX_ERR << path << ": stray dataset " << key;
    const std::string param = rest.substr(0, slash), name = rest.substr(slash + 1);
    if (held.count(param) == 0)
      VOX_ERR << path << ": optimiser state for '" << param
              << "', a parameter the optimiser does not hold";
    Optimizer::ParamState &s = states[param];
    s.tensors.resize(names.size());
    if (name == "step") {
      s.step = ReadCount(*file, key);
      has_step[param] = true;
      continue;
    }
    size_t k = 0;
    while (k < names.size() && names[k] != name) k++;
    if (k == names.size())
      VOX_ERR << path << ": optimiser state '" << name << "' of '" << param
              << "' is not used by " << optimizer->ToString();
    const Shape &want = param_shapes.at(param);
    H5DatasetInfo info = file->Info(key);
    if (info.shape != want.ToVector())
      VOX_ERR << path << ": optimiser state '" << name << "' of '" << param << "' has shape "
              << ShapeString(info.shape) << " in the file, the parameter is "
              << want.ToString();
    std::vector<int64_t> shape;
    std::vector<float> data;
    file->Read(key, &shape, &data);
    CheckFinite(path, key, data.data(), static_cast<int64_t>(data.size()));
    s.tensors[k] = Tensor::FromVector(want, data);
  }
  for (const auto &p : states) {
    if (!has_step[p.first] || p.second.step == 0)
      VOX_ERR << path << ": optimiser state of '" << p.first << "' has no step count";
    for (size_t k = 0; k < names.size(); k++)
      if (!p.second.tensors[k].Defined())
        VOX_ERR << path << ": optimiser state '" << names[k] << "' of '" << p.first
                << "' is missing (it has taken " << p.second.step << " steps)";
  }
  TrainState train = ReadTrainState(*file);

  // Everything is read and checked: only now change the model and the optimiser.
  Assign(t);
  for (auto &p : states) optimizer->SetState(p.first, std::move(p.second));
  *state = std::move(train);
}

bool ReadCheckpointInfo(const H5File &file, std::string *optimizer_type, TrainState *state) {
  if (!file.HasDataset("train_state/step")) return false;
  optimizer_type->clear();
  file.GetAttribute("optimizer", "type", optimizer_type);
  *state = ReadTrainState(file);
  return true;
}

std::optional<double> ForwardFlopsPerSecond(const JsonValue &config) {
  const JsonValue *type = config.Find("type");
  if (type == nullptr) type = config.Find("family");
  if (type == nullptr || !type->IsString()) return std::nullopt;
  // One branch per model family, each computed from the config by the family's own code.
  if (type->AsString() == "ssl") return SslForwardFlopsPerSecond(SslConfigFromJson(config));
  if (type->AsString() == "ssl-xvector") return SslXvectorFlopsPerSecond(config);
  return std::nullopt;
}

}  // namespace voxtools
