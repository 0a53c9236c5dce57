#pragma once
// The command line: a table of commands, each with a one-line synopsis for `portico --help`, its own usage
// for `portico COMMAND --help` (exit 0), the options it accepts, and `--json` where it prints something.
// An option a command does not know is one line naming it, exit 2 (exit_code::kUsage). With no command the
// agent runs the role the environment sets.

#include <string>
#include <string_view>
#include <vector>

namespace portico::agent {

// What a command gets: its arguments after the command name, with --json taken out.
struct Invocation {
  std::vector<std::string> arguments;
  bool json = false;
};

struct Command {
  std::string_view name;
  std::string_view synopsis;  // "token [create|list|delete] ...": the line in `portico --help`
  std::string_view usage;     // the full text of `portico NAME --help`
  std::vector<std::string_view> options;         // accepted flags (besides --help, -h)
  std::vector<std::string_view> valued_options;  // accepted options that take the next argument as their value
  int (*run)(const Invocation&);
};

const std::vector<Command>& commands();

// The whole of `portico --help`.
std::string general_help();

// Runs `portico argv...`; returns the process exit code.
int run_cli(int argc, char** argv);

}  // namespace portico::agent
