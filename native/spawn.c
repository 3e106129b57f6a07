// Starting a process with posix_spawn, which glibc does with clone(CLONE_VM|CLONE_VFORK): it costs the same
// whatever node's heap, where child_process forks the whole process (2–3 ms of a build's main thread).
#define _GNU_SOURCE
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

extern char** environ;

static void close_all(int fds[], int count) {
  for (int i = 0; i < count; i++) {
    if (fds[i] >= 0) close(fds[i]);
    fds[i] = -1;
  }
}

int start_process(char* const argv[], const int stdio[3], bool own_session, pid_t* pid, int ends[3]) {
  // Socket pairs, as libuv makes for child_process's pipes: the child sees what it saw before, and our
  // end can be shut down for writing (a pipe's cannot), which is how its input ends.
  int child_ends[3] = {-1, -1, -1};
  int err = 0;
  for (int i = 0; i < 3; i++) {
    ends[i] = -1;
    if (stdio[i] != STDIO_PAIR) continue;
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
      err = errno;
      break;
    }
    ends[i] = pair[0];
    child_ends[i] = pair[1];
  }
  if (err == 0) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    sigset_t none, all;
    sigemptyset(&none);
    // Every bit set: sigfillset leaves out glibc's own two signals (32, 33), which posix_spawn then sets
    // ignored in the child — an ignored signal survives exec, so the container's processes would inherit it.
    memset(&all, 0xff, sizeof all);
    posix_spawn_file_actions_init(&actions);
    for (int i = 0; i < 3; i++) {
      if (stdio[i] == STDIO_NULL) posix_spawn_file_actions_addopen(&actions, i, "/dev/null", O_RDWR, 0);
      else posix_spawn_file_actions_adddup2(&actions, stdio[i] == STDIO_PAIR ? child_ends[i] : stdio[i], i);
    }
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, (own_session ? POSIX_SPAWN_SETSID : 0) | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    err = posix_spawnp(pid, argv[0], &actions, &attributes, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
  }
  close_all(child_ends, 3);
  if (err != 0) close_all(ends, 3);
  return err;
}
