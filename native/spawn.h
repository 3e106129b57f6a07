// native/spawn.c: starting a process without forking node.
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/** What a child's standard stream i is: the null device, a new socket pair, or one of our fds (>= 0). */
enum { STDIO_NULL = -1, STDIO_PAIR = -2 };

/**
 * Starts argv (argv[0] searched on PATH) with the environment, default signal handling and no blocked
 * signals; in a session of its own when own_session. stdio[i] gives its stream i; for STDIO_PAIR,
 * ends[i] is this process's end (close-on-exec), else -1. 0, or an errno and nothing left open.
 */
int start_process(char* const argv[], const int stdio[3], bool own_session, pid_t* pid, int ends[3]);
