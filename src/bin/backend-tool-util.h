// src/bin/backend-tool-util.h
// Input helpers shared by the back-end tools (src/backend/ computes; these read the files):
// speaker maps, embedding tables loaded whole, trial lists and score files streamed.
#ifndef VOXTOOLS_BIN_BACKEND_TOOL_UTIL_H_
#define VOXTOOLS_BIN_BACKEND_TOOL_UTIL_H_

#include <cmath>
#include <cstdint>
#include <algorithm>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "backend/transforms.h"
#include "base/log.h"
#include "base/text-utils.h"
#include "io/kaldi-stream.h"
#include "io/table.h"

namespace voxtools {
namespace backend_tool {

// A text map file given as an rspecifier ("ark:spk2utt", "ark,t:-") or a plain file name.
inline std::string MapFileName(const std::string &spec) {
  if (ClassifyRspecifier(spec) == TableType::kArchive) return ParseRspecifier(spec).filename;
  if (ClassifyRspecifier(spec) != TableType::kNone)
    VOX_ERR << "expected a text archive or file name for the map, got " << spec;
  return spec;
}

// Lines "key field1 field2 ..." (spk2utt: at least one field; utt2spk: exactly one). Blank
// lines are skipped; a duplicate key is an Error naming the file and line.
inline std::vector<std::vector<std::string>> ReadKeyedLines(const std::string &spec,
                                                             int min_fields, int max_fields) {
  const std::string file = MapFileName(spec);
  Input input(file);
  std::vector<std::vector<std::string>> out;
  std::unordered_map<std::string, int64_t> seen;
  std::string line;
  int64_t n = 0;
  while (std::getline(input.Stream(), line)) {
    n++;
    std::vector<std::string> fields = SplitString(line, " \t\r", true);
    if (fields.empty()) continue;
    const int num = static_cast<int>(fields.size()) - 1;
    if (num < min_fields || (max_fields > 0 && num > max_fields))
      VOX_ERR << "line " << n << " of " << file << ": expected "
              << (max_fields == min_fields ? "exactly " : "at least ") << min_fields
              << " field(s) after the key, got " << num << ": " << line;
    if (!seen.emplace(fields[0], n).second)
      VOX_ERR << "line " << n << " of " << file << ": duplicate key " << fields[0]
              << " (first on line " << seen[fields[0]] << ")";
    out.push_back(std::move(fields));
  }
  input.Close();
  if (out.empty()) VOX_ERR << file << " is empty";
  return out;
}

// An embedding table read whole: keys in input order, vectors, and a key index. Every vector
// is checked for NaN/Inf and for having the dimension of the first (Error naming the key).
struct KeyedVectors {
  std::vector<std::string> keys;
  std::vector<Vector<float>> vectors;
  std::unordered_map<std::string, int64_t> index;
  int64_t Dim() const { return vectors.empty() ? 0 : vectors[0].Dim(); }
  const Vector<float> *Find(const std::string &key) const {
    auto it = index.find(key);
    return it == index.end() ? nullptr : &vectors[it->second];
  }
};

// A list of class names, one a line, blank lines skipped: the column order of score vectors
// (compute-lid-metrics, plot-confusion; train-glc --write-classes writes one). A name given
// twice, or fewer than two, is an Error naming the file; `what` names a class ("language").
inline std::vector<std::string> ReadClassList(const std::string &rxfilename,
                                              const std::string &what) {
  std::vector<std::string> names;
  std::unordered_set<std::string> seen;
  Input input(rxfilename);
  std::string line;
  while (std::getline(input.Stream(), line)) {
    const std::string name = Trim(line);
    if (name.empty()) continue;
    if (!seen.insert(name).second) VOX_ERR << what << " " << name << " twice in " << rxfilename;
    names.push_back(name);
  }
  input.Close();
  if (names.size() < 2) VOX_ERR << rxfilename << " must list at least 2 " << what << "s";
  return names;
}

inline KeyedVectors LoadVectors(const std::string &rspecifier, const std::string &what,
                                bool allow_empty = false) {
  KeyedVectors kv;
  SequentialTableReader<FloatVectorHolder> reader(rspecifier);
  for (; !reader.Done(); reader.Next()) {
    const std::string &key = reader.Key();
    const Vector<float> &v = reader.Value();
    CheckFinite(v, what, key);
    if (v.Dim() == 0) VOX_ERR << what << " " << key << " is empty (dimension 0)";
    if (!kv.vectors.empty() && v.Dim() != kv.Dim())
      VOX_ERR << what << " " << key << " has dimension " << v.Dim() << ", the earlier ones "
              << kv.Dim() << " (in " << rspecifier << ")";
    if (!kv.index.emplace(key, static_cast<int64_t>(kv.keys.size())).second)
      VOX_ERR << "duplicate " << what << " " << key << " in " << rspecifier;
    kv.keys.push_back(key);
    kv.vectors.push_back(v);
  }
  if (kv.keys.empty() && !allow_empty) VOX_ERR << "no " << what << "s in " << rspecifier;
  return kv;
}

// A trial list "enroll test [target|nontarget]", streamed line by line.
class TrialReader {
 public:
  explicit TrialReader(const std::string &rxfilename) : input_(rxfilename), name_(rxfilename) {}
  // False at the end. The label is "" for a 2-column line. Fields are split by hand (no
  // allocation per line once the strings have grown): scoring tools read millions of trials.
  bool Next(std::string *enroll, std::string *test, std::string *label) {
    while (std::getline(input_.Stream(), line_)) {
      line_num_++;
      std::string *out[3] = {enroll, test, label};
      int num = 0;
      size_t i = 0;
      const size_t n = line_.size();
      while (true) {
        while (i < n && IsSpace(line_[i])) i++;
        if (i >= n) break;
        size_t j = i;
        while (j < n && !IsSpace(line_[j])) j++;
        if (num < 3) out[num]->assign(line_, i, j - i);
        num++;
        i = j;
      }
      if (num == 0) continue;
      if (num != 2 && num != 3)
        VOX_ERR << "line " << line_num_ << " of " << PrintableRxfilename(name_)
                << ": expected 'enroll test [target|nontarget]', got: " << line_;
      if (num == 2) label->clear();
      return true;
    }
    input_.Close();
    return false;
  }
  int64_t LineNumber() const { return line_num_; }
  const std::string &Name() const { return name_; }

 private:
  static bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r'; }
  Input input_;
  std::string name_, line_;
  int64_t line_num_ = 0;
};

// "target" -> 1, "nontarget" -> 0, else Error naming the line.
inline int ParseTrialLabel(const std::string &label, const TrialReader &reader) {
  if (label == "target") return 1;
  if (label == "nontarget") return 0;
  VOX_ERR << "line " << reader.LineNumber() << " of " << PrintableRxfilename(reader.Name())
          << ": the third field must be 'target' or 'nontarget', got '" << label << "'";
  return -1;
}

// A score file "enroll test score" (the score tools' output), read whole. A non-numeric or
// NaN score is an Error naming the line.
struct ScoreList {
  std::vector<std::string> enroll, test;
  std::vector<double> score;
};
inline ScoreList ReadScores(const std::string &rxfilename) {
  ScoreList list;
  Input input(rxfilename);
  std::string line;
  int64_t n = 0;
  while (std::getline(input.Stream(), line)) {
    n++;
    std::vector<std::string> f = SplitString(line, " \t\r", true);
    if (f.empty()) continue;
    double s = 0;
    if (f.size() != 3 || !ConvertToDouble(f[2], &s) || std::isnan(s))
      VOX_ERR << "line " << n << " of " << PrintableRxfilename(rxfilename)
              << ": expected 'enroll test score', got: " << line;
    list.enroll.push_back(f[0]);
    list.test.push_back(f[1]);
    list.score.push_back(s);
  }
  input.Close();
  if (list.score.empty()) VOX_ERR << "no scores in " << PrintableRxfilename(rxfilename);
  return list;
}

// Appends "enroll test score\n" with the score as %.7g (Kaldi's text precision).
inline void AppendScoreLine(const std::string &enroll, const std::string &test, double score,
                            std::string *out) {
  char buf[32];
  const int len = std::snprintf(buf, sizeof(buf), "%.7g", score);
  out->append(enroll);
  out->push_back(' ');
  out->append(test);
  out->push_back(' ');
  out->append(buf, len);
  out->push_back('\n');
}


// The trial loop of the scoring tools: streams `trials`, looks up both keys, and writes
// "enroll test score" (%.7g of the float score, as Kaldi) for each trial to `scores_out`. A
// key missing from its index is a WARNING naming it (as Kaldi's ivector-plda-scoring) and is
// counted; if more than max_errors trials fail, it throws and no output is left. Ends with the
// summary lines. score(e, t) takes the two indices.
template <class ScoreFn>
void ScoreTrials(const std::string &trials, const std::unordered_map<std::string, int64_t> &enroll_index,
                 const std::unordered_map<std::string, int64_t> &test_index,
                 const std::string &scores_out, int64_t max_errors, ScoreFn score) {
  TrialReader reader(trials);
  Output output(scores_out);
  std::string enroll, test, label, prev_enroll, buffer;
  int64_t e = -1, num_done = 0, num_errors = 0;
  double sum = 0.0, sumsq = 0.0;
  while (reader.Next(&enroll, &test, &label)) {
    if (enroll != prev_enroll || e < 0) {  // trial lists are usually grouped by enrolment
      auto it = enroll_index.find(enroll);
      e = it == enroll_index.end() ? -1 : it->second;
      prev_enroll = enroll;
    }
    if (e < 0) {
      VOX_WARN << "Key " << enroll << " (line " << reader.LineNumber() << " of the trials) "
               << "not present in enrollment vectors.";
      num_errors++;
      continue;
    }
    auto it = test_index.find(test);
    if (it == test_index.end()) {
      VOX_WARN << "Key " << test << " (line " << reader.LineNumber() << " of the trials) "
               << "not present in test vectors.";
      num_errors++;
      continue;
    }
    const float s = static_cast<float>(score(e, it->second));
    sum += s;
    sumsq += double(s) * s;
    num_done++;
    AppendScoreLine(enroll, test, s, &buffer);
    if (buffer.size() > (1 << 20)) {
      output.Stream().write(buffer.data(), buffer.size());
      buffer.clear();
    }
  }
  output.Stream().write(buffer.data(), buffer.size());
  if (num_done > 0) {
    const double mean = sum / num_done;
    VOX_LOG << "Mean score was " << mean << ", standard deviation was "
            << std::sqrt(std::max(0.0, sumsq / num_done - mean * mean));
  }
  VOX_LOG << "Done " << num_done << " trials, errors " << num_errors;
  if (num_errors > max_errors)
    VOX_ERR << num_errors << " trial(s) failed (--max-errors=" << max_errors << "); nothing written";
  if (num_done == 0) VOX_ERR << "no trials were scored";
  output.Close();
}

// Labelled scores for the metric tools: either one file of Kaldi's compute-eer input
// ("<score> target|nontarget" lines), or a trials file ("enroll test target|nontarget") and
// a score file ("enroll test score") joined on the key pair. A trial without a score is a
// WARNING, counted; more than max_errors of them is an Error.
struct LabeledScores {
  std::vector<double> targets, nontargets;
};
inline LabeledScores LoadLabeledScores(const std::string &first, const std::string &second,
                                       int64_t max_errors) {
  LabeledScores out;
  if (second.empty()) {
    Input input(first);
    std::string line;
    int64_t n = 0;
    while (std::getline(input.Stream(), line)) {
      n++;
      std::vector<std::string> f = SplitString(line, " \t\r", true);
      if (f.empty()) continue;
      float s = 0;
      if (f.size() != 2)
        VOX_ERR << "Invalid input line " << n << " (must have two fields: score target|nontarget): " << line;
      if (!ConvertToFloat(f[0], &s) || std::isnan(s))
        VOX_ERR << "Invalid input line " << n << " (first field must be a number): " << line;
      if (f[1] == "target") out.targets.push_back(s);
      else if (f[1] == "nontarget") out.nontargets.push_back(s);
      else VOX_ERR << "Invalid input line " << n << " (second field must be 'target' or 'nontarget'): " << line;
    }
    input.Close();
  } else {
    const ScoreList scores = ReadScores(second);
    std::unordered_map<std::string, int64_t> index;
    for (size_t i = 0; i < scores.score.size(); i++) {
      const std::string key = scores.enroll[i] + " " + scores.test[i];
      if (!index.emplace(key, static_cast<int64_t>(i)).second)
        VOX_ERR << "duplicate trial '" << key << "' in " << second;
    }
    TrialReader reader(first);
    std::string enroll, test, label;
    int64_t num_errors = 0;
    while (reader.Next(&enroll, &test, &label)) {
      if (label.empty())
        VOX_ERR << "line " << reader.LineNumber() << " of " << first
                << ": trials need a third field, target or nontarget";
      const int is_target = ParseTrialLabel(label, reader);
      auto it = index.find(enroll + " " + test);
      if (it == index.end()) {
        VOX_WARN << "no score for trial " << enroll << " " << test << " (line "
                 << reader.LineNumber() << " of " << first << ")";
        num_errors++;
        continue;
      }
      // As read by Kaldi's compute-eer (float), so that ties and thresholds agree.
      const double s = static_cast<float>(scores.score[it->second]);
      (is_target ? out.targets : out.nontargets).push_back(s);
    }
    if (num_errors > max_errors)
      VOX_ERR << num_errors << " trial(s) have no score (--max-errors=" << max_errors << ")";
  }
  if (out.targets.empty() && out.nontargets.empty()) VOX_ERR << "Empty input.";
  if (out.targets.empty()) VOX_ERR << "No target scores seen.";
  if (out.nontargets.empty()) VOX_ERR << "No non-target scores seen.";
  return out;
}

}  // namespace backend_tool
}  // namespace voxtools

#endif  // VOXTOOLS_BIN_BACKEND_TOOL_UTIL_H_
