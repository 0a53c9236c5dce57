// portico: the agent binary. Configuration and wiring only; everything it runs lives in core/. The commands and
// their help are in cli.cpp (`portico --help`); with no command, the role the environment sets runs.

#include "cli.hpp"

int main(int argc, char** argv) { return portico::agent::run_cli(argc, argv); }
