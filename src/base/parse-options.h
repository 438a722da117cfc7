// src/base/parse-options.h
// Command-line parsing with Kaldi's feel, on Boost.ProgramOptions:
//   - options are --name=value and come before the positional arguments; a bool may be given
//     as --name (true); '_' and '-' in names are the same;
//   - --config=file reads the same options from a file (one --name=value a line, '#' comments);
//     the command line wins over the file;
//   - --help prints the usage text and every option with its default;
//   - an unknown option is an error that suggests the closest registered name.
// Every tool also gets --verbose, --config, --help and --print-args.
//
//   ParseOptions po(kUsage);
//   opts.Register(&po);
//   if (!po.Read(argc, argv)) return 0;      // --help was printed
//   if (po.NumArgs() != 2) { po.PrintUsage(); return 1; }
#ifndef VOXTOOLS_BASE_PARSE_OPTIONS_H_
#define VOXTOOLS_BASE_PARSE_OPTIONS_H_

#include <memory>
#include <string>
#include <vector>

#include "base/options-itf.h"

namespace voxtools {

class ParseOptions : public OptionsItf {
 public:
  explicit ParseOptions(const std::string &usage);
  ~ParseOptions() override;

  void Register(const std::string &name, bool *ptr, const std::string &doc) override;
  void Register(const std::string &name, int32_t *ptr, const std::string &doc) override;
  void Register(const std::string &name, int64_t *ptr, const std::string &doc) override;
  void Register(const std::string &name, float *ptr, const std::string &doc) override;
  void Register(const std::string &name, double *ptr, const std::string &doc) override;
  void Register(const std::string &name, std::string *ptr, const std::string &doc) override;

  // Parses argv. Returns false if --help was given (usage already printed to stdout: the tool
  // should exit 0). Throws Error on an unknown option, a bad value or an unreadable config.
  // Sets the program name and verbose level for logging.
  bool Read(int argc, const char *const *argv);

  // Parses a config file of --name=value lines into the registered options.
  void ReadConfigFile(const std::string &filename);

  int NumArgs() const { return static_cast<int>(positional_.size()); }
  // 1-based, as Kaldi: GetArg(1) is the first positional argument.
  const std::string &GetArg(int i) const;
  // "" if fewer than i arguments were given.
  std::string GetOptArg(int i) const;

  void PrintUsage(bool to_stdout = false) const;
  // The command line as given, quoted for a shell where needed (logged by tools).
  const std::string &CommandLine() const { return command_line_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string usage_;
  std::vector<std::string> positional_;
  std::string command_line_;
  // Options every tool has.
  std::string config_;
  int32_t verbose_ = 0;
  bool print_args_ = true;
  bool help_ = false;
};

// Registers into another OptionsItf under a prefix: "frame-shift" becomes "fbank.frame-shift".
class PrefixOptions : public OptionsItf {
 public:
  PrefixOptions(const std::string &prefix, OptionsItf *other) : prefix_(prefix), other_(other) {}
  void Register(const std::string &n, bool *p, const std::string &d) override { other_->Register(Name(n), p, d); }
  void Register(const std::string &n, int32_t *p, const std::string &d) override { other_->Register(Name(n), p, d); }
  void Register(const std::string &n, int64_t *p, const std::string &d) override { other_->Register(Name(n), p, d); }
  void Register(const std::string &n, float *p, const std::string &d) override { other_->Register(Name(n), p, d); }
  void Register(const std::string &n, double *p, const std::string &d) override { other_->Register(Name(n), p, d); }
  void Register(const std::string &n, std::string *p, const std::string &d) override { other_->Register(Name(n), p, d); }

 private:
  std::string Name(const std::string &n) const { return prefix_ + "." + n; }
  std::string prefix_;
  OptionsItf *other_;
};

}  // namespace voxtools

#endif  // VOXTOOLS_BASE_PARSE_OPTIONS_H_
