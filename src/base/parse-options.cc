// src/base/parse-options.cc
// The only file that sees Boost.ProgramOptions.
#include "base/parse-options.h"

#include <boost/program_options.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "base/log.h"
#include "base/text-utils.h"

namespace po = boost::program_options;

namespace voxtools {

namespace {

struct OptionInfo {
  std::string name, type, doc, default_value;
};

template <typename T>
std::string DefaultString(const T &v) {
  std::ostringstream os;
  os << v;
  return os.str();
}
std::string DefaultString(const bool &v) { return v ? "true" : "false"; }
std::string DefaultString(const std::string &v) { return "\"" + v + "\""; }

// "--foo_bar=x_y" -> "--foo-bar=x_y": Kaldi treats '_' and '-' in option names alike.
std::string NormalizeOptionArg(const std::string &arg) {
  size_t eq = arg.find('=');
  std::string name = arg.substr(0, eq);
  std::replace(name.begin(), name.end(), '_', '-');
  return eq == std::string::npos ? name : name + arg.substr(eq);
}

// An option given twice counts once, with its last value (Kaldi's habit: recipes append
// overrides, `--lr=0.1 ... --lr=0.01`); Boost would call it an error.
std::vector<std::string> LastOfEach(const std::vector<std::string> &args) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); i++) {
    const std::string name = args[i].substr(0, args[i].find('='));
    bool later = false;
    for (size_t j = i + 1; j < args.size() && !later; j++)
      later = args[j].substr(0, args[j].find('=')) == name;
    if (!later) out.push_back(args[i]);
  }
  return out;
}

size_t EditDistance(const std::string &a, const std::string &b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); j++) prev[j] = j;
  for (size_t i = 1; i <= a.size(); i++) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); j++)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string ShellQuote(const std::string &s) {
  if (!s.empty() && s.find_first_of(" \t\n'\"\\|&;<>()$`*?[]{}!#~") == std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

struct ParseOptions::Impl {
  po::options_description desc;
  std::vector<OptionInfo> infos;

  template <typename T>
  void Add(const std::string &name, T *ptr, const std::string &type, const std::string &doc) {
    for (const OptionInfo &info : infos)
      VOX_ASSERT(info.name != name);  // registering one name twice is a programmer error
    infos.push_back({name, type, doc, DefaultString(*ptr)});
    desc.add_options()(name.c_str(), po::value<T>(ptr), doc.c_str());
  }

  std::string Suggest(const std::string &unknown) const {
    std::string best;
    size_t best_dist = std::max<size_t>(2, unknown.size() / 3) + 1;
    for (const OptionInfo &info : infos) {
      size_t d = EditDistance(unknown, info.name);
      if (info.name.find(unknown) == 0 || unknown.find(info.name) == 0) d = std::min<size_t>(d, 1);
      if (d < best_dist) best_dist = d, best = info.name;
    }
    return best;
  }

  // Parses --name=value strings and stores them; values already stored are kept, so the
  // first source parsed wins.
  void Parse(const std::vector<std::string> &args, const std::string &where, po::variables_map *vm) {
    try {
      int style = po::command_line_style::allow_long | po::command_line_style::long_allow_adjacent;
      po::store(po::command_line_parser(LastOfEach(args)).options(desc).style(style).run(), *vm);
    } catch (const po::unknown_option &e) {
      std::string name = e.get_option_name();
      if (name.rfind("--", 0) == 0) name = name.substr(2);
      std::string hint = Suggest(name);
      VOX_ERR << "unknown option --" << name << where
              << (hint.empty() ? "" : "; did you mean --" + hint + "?") << " (see --help)";
    } catch (const po::error &e) {
      VOX_ERR << e.what() << where << " (options are --name=value; see --help)";
    }
  }
};

ParseOptions::ParseOptions(const std::string &usage) : impl_(new Impl), usage_(usage) {
  Register("config", &config_, "Read options from this file: one --name=value a line, # comments");
  Register("verbose", &verbose_, "Verbose level: higher prints more VLOG lines");
  Register("print-args", &print_args_, "Print the command line to stderr at start");
  Register("help", &help_, "Print this usage message and exit");
}

ParseOptions::~ParseOptions() = default;

void ParseOptions::Register(const std::string &n, bool *p, const std::string &d) {
  impl_->Add(n, p, "bool", d);  // a bare --flag is rewritten to --flag=true in Read()
}
void ParseOptions::Register(const std::string &n, int32_t *p, const std::string &d) { impl_->Add(n, p, "int", d); }
void ParseOptions::Register(const std::string &n, int64_t *p, const std::string &d) { impl_->Add(n, p, "int64", d); }
void ParseOptions::Register(const std::string &n, float *p, const std::string &d) { impl_->Add(n, p, "float", d); }
void ParseOptions::Register(const std::string &n, double *p, const std::string &d) { impl_->Add(n, p, "double", d); }
void ParseOptions::Register(const std::string &n, std::string *p, const std::string &d) { impl_->Add(n, p, "string", d); }

bool ParseOptions::Read(int argc, const char *const *argv) {
  SetProgramName(argc > 0 ? argv[0] : "voxtools");
  command_line_.clear();
  for (int i = 0; i < argc; i++) command_line_ += (i ? " " : "") + ShellQuote(argv[i]);

  std::vector<std::string> option_args;
  int i = 1;
  for (; i < argc; i++) {
    std::string arg = argv[i];
    if (arg == "--") { i++; break; }
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) break;
    arg = NormalizeOptionArg(arg);
    // A bare boolean flag means true: rewrite it so one parser rule serves all types.
    if (arg.find('=') == std::string::npos) {
      for (const OptionInfo &info : impl_->infos)
        if (info.type == "bool" && "--" + info.name == arg) arg += "=true";
    }
    option_args.push_back(arg);
  }
  positional_.assign(argv + i, argv + argc);

  po::variables_map vm;
  impl_->Parse(option_args, "", &vm);
  po::notify(vm);
  if (help_) {
    PrintUsage(true);
    return false;
  }
  if (!config_.empty()) {
    std::string config = config_;
    ReadConfigFile(config);
    config_ = config;
  }
  // Re-apply the command line so that it wins over the config file.
  po::variables_map vm_again;
  impl_->Parse(option_args, "", &vm_again);
  po::notify(vm_again);

  SetVerboseLevel(verbose_);
  if (print_args_) std::fprintf(stderr, "%s\n", command_line_.c_str());
  return true;
}

void ParseOptions::ReadConfigFile(const std::string &filename) {
  std::ifstream is(filename);
  if (!is) VOX_ERR << "cannot open config file " << filename;
  std::vector<std::string> args;
  std::string line;
  int line_number = 0;
  while (std::getline(is, line)) {
    line_number++;
    size_t hash = line.find('#');
    if (hash != std::string::npos) line.erase(hash);
    line = Trim(line);
    if (line.empty()) continue;
    if (line.compare(0, 2, "--") != 0)
      VOX_ERR << "config file " << filename << " line " << line_number
              << ": expected --name=value, got '" << line << "'";
    line = NormalizeOptionArg(line);
    if (line.compare(0, 9, "--config=") == 0)
      VOX_ERR << "config file " << filename << " line " << line_number << ": nested --config";
    args.push_back(line);
  }
  po::variables_map vm;
  impl_->Parse(args, " in config file " + filename, &vm);
  po::notify(vm);
}

const std::string &ParseOptions::GetArg(int i) const {
  if (i < 1 || i > NumArgs())
    VOX_ERR << "argument " << i << " requested but only " << NumArgs() << " given";
  return positional_[i - 1];
}

std::string ParseOptions::GetOptArg(int i) const {
  return (i >= 1 && i <= NumArgs()) ? positional_[i - 1] : std::string();
}

void ParseOptions::PrintUsage(bool to_stdout) const {
  std::ostringstream os;
  os << '\n' << usage_ << '\n';
  // Tool options first, then the standard ones registered in the constructor.
  std::vector<const OptionInfo *> order;
  for (size_t k = 4; k < impl_->infos.size(); k++) order.push_back(&impl_->infos[k]);
  if (!order.empty()) {
    os << "Options:\n";
    for (const OptionInfo *o : order)
      os << "  --" << std::left << std::setw(28) << o->name << " : " << o->doc << " ("
         << o->type << ", default = " << o->default_value << ")\n";
    os << '\n';
  }
  os << "Standard options:\n";
  for (size_t k = 0; k < 4 && k < impl_->infos.size(); k++) {
    const OptionInfo &o = impl_->infos[k];
    os << "  --" << std::left << std::setw(28) << o.name << " : " << o.doc << " (" << o.type
       << ", default = " << o.default_value << ")\n";
  }
  std::fputs(os.str().c_str(), to_stdout ? stdout : stderr);
}

}  // namespace voxtools
