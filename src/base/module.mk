# src/base: logging, errors, option parsing, timers, progress. Depends on nothing else here.
base_DEPS :=
base_LDLIBS := -lboost_program_options
