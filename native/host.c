// The few Linux calls tsbuild makes many times per build or container and Node has no API for: mount(2),
// umount2(2), syncfs(2), flock(2), the l*xattr(2) family, a sandbox's network namespace (netns.c), starting
// processes without a fork of node (spawn.c: the sandbox guard, the OCI runtime) and page-aligned memory for
// O_DIRECT writes. Spawning mount(8),
// umount(8), sync(1), getfattr(1) or ip(8) for each, or forking node, costs 3–6 ms of node's main thread
// where the call itself takes 0.02–0.2 ms. mount, umount, syncfs and the namespace may block (a busy or slow
// filesystem): they run on libuv's thread pool and answer with a promise. The xattr calls and flock(2)
// without waiting are quick and synchronous. One more runs on the pool for speed, not for a missing API:
// reading the bodies of a layer's files into its tar chunks (readFiles), on the other core while node's
// thread lays out the next chunk and hashes the last.
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>

#include "netns.h"
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#define CHECK(call)                                                      \
  do {                                                                   \
    if ((call) != napi_ok) {                                             \
      napi_throw_error(env, NULL, "host addon: N-API call failed: " #call); \
      return NULL;                                                       \
    }                                                                    \
  } while (0)

/** A JS Error with code = errno's name (EBUSY…) and message "<what>: <strerror>". */
static napi_value errno_error(napi_env env, int err, const char* what) {
  char message[8192];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  const char* name = strerrorname_np(err);
  napi_value code, text, error;
  napi_create_string_utf8(env, name ? name : "EUNKNOWN", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, code, text, &error);
  return error;
}

/** A string argument as a malloc'd copy (NULL when it is not a string); the caller frees it. */
static char* string_arg(napi_env env, napi_value value) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_string) return NULL;
  size_t length;
  napi_get_value_string_utf8(env, value, NULL, 0, &length);
  char* text = malloc(length + 1);
  napi_get_value_string_utf8(env, value, text, length + 1, &length);
  return text;
}

// ---- blocking calls on the thread pool ----

enum op_kind { OP_MOUNT, OP_UMOUNT, OP_SYNCFS, OP_NETNS, OP_READ_FILES, OP_LINK_FILES };

struct op {
  enum op_kind kind;
  char *source, *target, *fstype, *data, *cwd;
  unsigned long flags;
  int detach;
  struct netns_request netns;  // OP_NETNS: its strings are owned by the fields below
  char *veth, *bridge, *address, *gateway;
  // OP_READ_FILES: `count` files, each read from `places[3i+1]`, `places[3i+2]` bytes, into `memory` at
  // `places[3i]`; `memory` belongs to the Buffer `memory_ref` holds until the op completes.
  // OP_LINK_FILES: `count` links, `paths[2i]` → `paths[2i+1]`, each link's errno (0: made) into the
  // Int32Array `memory`.
  char** paths;
  double* places;
  uint32_t count;
  unsigned char* memory;
  size_t memory_length;
  napi_ref memory_ref;
  int err;
  const char* failed_step;
  napi_deferred deferred;
  napi_async_work work;
};

static int do_mount(struct op* op) {
  if (mount(op->source, op->target, op->fstype, op->flags, op->data) != 0) {
    op->failed_step = "mount";
    return errno;
  }
  // A read-only bind mount is a bind mount remounted read-only (MS_RDONLY is ignored on the first call).
  if ((op->flags & MS_BIND) && (op->flags & MS_RDONLY) &&
      mount(NULL, op->target, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | (op->flags & MS_REC), NULL) != 0) {
    int err = errno;
    umount2(op->target, MNT_DETACH);
    op->failed_step = "remount read-only";
    return err;
  }
  return 0;
}

/**
 * Overlay options too long for mount(2)'s one page name layers relative to a directory, which the kernel
 * resolves against the caller's cwd: this thread gets a cwd of its own (CLONE_FS) so the process's stays.
 */
static void* mount_in_cwd(void* arg) {
  struct op* op = arg;
  if (unshare(CLONE_FS) != 0) {
    op->err = errno;
    op->failed_step = "unshare(CLONE_FS)";
  } else if (chdir(op->cwd) != 0) {
    op->err = errno;
    op->failed_step = "chdir";
  } else {
    op->err = do_mount(op);
  }
  return NULL;
}

/** Reads each file's range into memory; on failure op->target names the file. A file shorter than its range is ENODATA. */
static void read_files(struct op* op) {
  for (uint32_t i = 0; i < op->count; i++) {
    size_t at = (size_t)op->places[3 * i];
    off_t from = (off_t)op->places[3 * i + 1];
    size_t length = (size_t)op->places[3 * i + 2];
    int err = 0;
    int fd = open(op->paths[i], O_RDONLY | O_CLOEXEC);
    if (fd < 0) err = errno;
    for (size_t done = 0; err == 0 && done < length;) {
      ssize_t got = pread(fd, op->memory + at + done, length - done, from + (off_t)done);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) err = errno;
      else if (got == 0) err = ENODATA;
      else done += (size_t)got;
    }
    if (fd >= 0) close(fd);
    if (err != 0) {
      op->err = err;
      op->failed_step = "read";
      op->target = strdup(op->paths[i]);
      return;
    }
  }
}

/** Makes each link, noting its errno; one that fails does not stop the rest. */
static void link_files(struct op* op) {
  int32_t* results = (int32_t*)op->memory;
  for (uint32_t i = 0; i < op->count; i++) results[i] = link(op->paths[2 * i], op->paths[2 * i + 1]) == 0 ? 0 : errno;
}

static void execute(napi_env env, void* data) {
  (void)env;
  struct op* op = data;
  op->err = 0;
  if (op->kind == OP_MOUNT) {
    if (op->cwd == NULL) {
      op->err = do_mount(op);
      return;
    }
    pthread_t thread;
    int err = pthread_create(&thread, NULL, mount_in_cwd, op);
    if (err != 0) {
      op->err = err;
      op->failed_step = "pthread_create";
    } else {
      pthread_join(thread, NULL);
    }
  } else if (op->kind == OP_UMOUNT) {
    if (umount2(op->target, op->detach ? MNT_DETACH : 0) != 0) {
      op->err = errno;
      op->failed_step = "umount";
    }
  } else if (op->kind == OP_NETNS) {
    op->err = create_netns(&op->netns, &op->failed_step);
  } else if (op->kind == OP_READ_FILES) {
    read_files(op);
  } else if (op->kind == OP_LINK_FILES) {
    link_files(op);
  } else {
    int fd = open(op->target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || syncfs(fd) != 0) {
      op->err = errno;
      op->failed_step = "syncfs";
    }
    if (fd >= 0) close(fd);
  }
}

static void free_op(struct op* op) {
  free(op->source);
  free(op->target);
  free(op->fstype);
  free(op->data);
  free(op->cwd);
  free(op->veth);
  free(op->bridge);
  free(op->address);
  free(op->gateway);
  uint32_t path_count = op->kind == OP_LINK_FILES ? 2 * op->count : op->count;
  for (uint32_t i = 0; op->paths != NULL && i < path_count; i++) free(op->paths[i]);
  free(op->paths);
  free(op->places);
  free(op);
}

static void complete(napi_env env, napi_status status, void* data) {
  struct op* op = data;
  if (status != napi_ok && op->err == 0) {
    op->err = ECANCELED;
    op->failed_step = "cancelled";
  }
  if (op->err == 0) {
    napi_value undefined;
    napi_get_undefined(env, &undefined);
    napi_resolve_deferred(env, op->deferred, undefined);
  } else {
    char what[4352];
    snprintf(what, sizeof what, "%s %s", op->failed_step, op->target ? op->target : "");
    napi_reject_deferred(env, op->deferred, errno_error(env, op->err, what));
  }
  if (op->memory_ref != NULL) napi_delete_reference(env, op->memory_ref);
  napi_delete_async_work(env, op->work);
  free_op(op);
}

static napi_value queue(napi_env env, struct op* op) {
  napi_value promise, name;
  CHECK(napi_create_promise(env, &op->deferred, &promise));
  CHECK(napi_create_string_utf8(env, "tsbuild host call", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_async_work(env, NULL, name, execute, complete, op, &op->work));
  CHECK(napi_queue_async_work(env, op->work));
  return promise;
}

/** The arguments of a call (up to `count`, the rest undefined) and a zeroed op of `kind` for it; NULL with an exception pending. */
static struct op* new_op(napi_env env, napi_callback_info info, enum op_kind kind, size_t count, napi_value* argv) {
  size_t argc = count;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    napi_throw_error(env, NULL, "host addon: cannot read the call's arguments");
    return NULL;
  }
  struct op* op = calloc(1, sizeof *op);
  op->kind = kind;
  return op;
}

/** mount(source, target, fstype, flags, data, cwd): Promise<void>; source, fstype, data, cwd may be null. */
static napi_value js_mount(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  struct op* op = new_op(env, info, OP_MOUNT, 6, argv);
  if (op == NULL) return NULL;
  op->source = string_arg(env, argv[0]);
  op->target = string_arg(env, argv[1]);
  op->fstype = string_arg(env, argv[2]);
  double flags = 0;
  napi_get_value_double(env, argv[3], &flags);
  op->flags = (unsigned long)flags;
  op->data = string_arg(env, argv[4]);
  op->cwd = string_arg(env, argv[5]);
  return queue(env, op);
}

/** umount(target, detach): Promise<void>. */
static napi_value js_umount(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  struct op* op = new_op(env, info, OP_UMOUNT, 2, argv);
  if (op == NULL) return NULL;
  op->target = string_arg(env, argv[0]);
  bool detach = false;
  napi_get_value_bool(env, argv[1], &detach);
  op->detach = detach;
  return queue(env, op);
}

/** syncfs(path): Promise<void>, flushing the filesystem that holds `path`. */
static napi_value js_syncfs(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  struct op* op = new_op(env, info, OP_SYNCFS, 1, argv);
  if (op == NULL) return NULL;
  op->target = string_arg(env, argv[0]);
  return queue(env, op);
}

/** Frees `op` and throws a TypeError saying `message`; NULL, for the caller to return. */
static napi_value reject_arguments(napi_env env, struct op* op, const char* message) {
  free_op(op);
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

/** Queues `op`, keeping the JS value whose memory it works in alive until it completes. */
static napi_value queue_holding(napi_env env, struct op* op, napi_value memory) {
  CHECK(napi_create_reference(env, memory, 1, &op->memory_ref));
  return queue(env, op);
}

/**
 * The first `count` items of the JS array `array` as malloc'd strings in op->paths (freed by free_op);
 * false when one is not a string.
 */
static bool copy_paths(napi_env env, napi_value array, uint32_t count, struct op* op) {
  op->paths = calloc(count, sizeof *op->paths);
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    if (napi_get_element(env, array, i, &item) != napi_ok || (op->paths[i] = string_arg(env, item)) == NULL) return false;
  }
  return true;
}

/**
 * readFiles(memory: Buffer, paths: string[], places: Float64Array): Promise<void>. Reads file i's bytes
 * [places[3i+1], +places[3i+2]) into `memory` at places[3i], on the thread pool, so node's thread can do
 * other work meanwhile (a layer's tar lays out its next chunk while the bodies of this one are read).
 * Rejects with the file's errno; a file shorter than its range rejects with ENODATA.
 */
static napi_value js_read_files(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  struct op* op = new_op(env, info, OP_READ_FILES, 3, argv);
  if (op == NULL) return NULL;
  void* memory = NULL;
  void* places = NULL;
  size_t place_count = 0;
  uint32_t count = 0;
  napi_typedarray_type type;
  bool is_array = false;
  if (napi_get_buffer_info(env, argv[0], &memory, &op->memory_length) != napi_ok || napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, argv[1], &count) != napi_ok ||
      napi_get_typedarray_info(env, argv[2], &type, &place_count, &places, NULL, NULL) != napi_ok || type != napi_float64_array || place_count != 3 * (size_t)count) {
    return reject_arguments(env, op, "readFiles(memory, paths, places): a Buffer, an array of paths and a Float64Array of 3 numbers per path");
  }
  op->memory = memory;
  op->count = count;
  op->places = malloc(place_count * sizeof *op->places);
  memcpy(op->places, places, place_count * sizeof *op->places);
  bool valid = copy_paths(env, argv[1], count, op);
  for (uint32_t i = 0; valid && i < count; i++) {
    double at = op->places[3 * i], from = op->places[3 * i + 1], length = op->places[3 * i + 2];
    valid = at >= 0 && from >= 0 && length >= 0 && at + length <= (double)op->memory_length;
  }
  return valid ? queue_holding(env, op, argv[0]) : reject_arguments(env, op, "readFiles: a path is not a string or a range does not fit the buffer");
}

/**
 * linkFiles(pairs: string[], results: Int32Array): Promise<void>. Hard-links pairs[2i] at pairs[2i+1] for
 * each i, on the thread pool, and puts each link's errno (0: made) in results[i]; it resolves once all
 * were tried. Two calls at once make links on both cores.
 */
static napi_value js_link_files(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  struct op* op = new_op(env, info, OP_LINK_FILES, 2, argv);
  if (op == NULL) return NULL;
  bool is_array = false;
  uint32_t path_count = 0;
  napi_typedarray_type type;
  size_t result_count = 0;
  void* results = NULL;
  if (napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array || napi_get_array_length(env, argv[0], &path_count) != napi_ok || path_count % 2 != 0 ||
      napi_get_typedarray_info(env, argv[1], &type, &result_count, &results, NULL, NULL) != napi_ok || type != napi_int32_array || result_count != path_count / 2) {
    return reject_arguments(env, op, "linkFiles(pairs, results): an even array of paths and an Int32Array of one number per pair");
  }
  op->memory = results;
  op->count = path_count / 2;
  return copy_paths(env, argv[0], path_count, op) ? queue_holding(env, op, argv[1]) : reject_arguments(env, op, "linkFiles: a path is not a string");
}

/**
 * createNetns(path, veth, bridge, address, prefixLength, gateway): Promise<void>: the namespace file
 * `path` (/run/netns/<name>) joined to `bridge` by the veth pair `veth`–eth0, eth0 holding
 * address/prefixLength with a default route via gateway, lo up.
 */
static napi_value js_create_netns(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  struct op* op = new_op(env, info, OP_NETNS, 6, argv);
  if (op == NULL) return NULL;
  op->target = string_arg(env, argv[0]);
  op->veth = string_arg(env, argv[1]);
  op->bridge = string_arg(env, argv[2]);
  op->address = string_arg(env, argv[3]);
  uint32_t prefix_length = 0;
  napi_get_value_uint32(env, argv[4], &prefix_length);
  op->gateway = string_arg(env, argv[5]);
  if (op->target == NULL || op->veth == NULL || op->bridge == NULL || op->address == NULL || op->gateway == NULL || prefix_length > 32) {
    return reject_arguments(env, op, "createNetns(path, veth, bridge, address, prefixLength, gateway): bad arguments");
  }
  op->netns = (struct netns_request){op->target, op->veth, op->bridge, op->address, (unsigned char)prefix_length, op->gateway};
  return queue(env, op);
}

// ---- processes ----

static void free_argv(char** args) {
  for (char** arg = args; *arg != NULL; arg++) free(*arg);
  free(args);
}

/** argv as a NULL-terminated array of malloc'd strings (free with free_argv); NULL unless a non-empty array of strings. */
static char** argv_arg(napi_env env, napi_value value) {
  uint32_t count = 0;
  if (napi_get_array_length(env, value, &count) != napi_ok || count == 0) return NULL;
  char** args = calloc(count + 1, sizeof *args);
  bool complete = true;
  for (uint32_t i = 0; i < count && complete; i++) {
    napi_value item;
    napi_get_element(env, value, i, &item);
    args[i] = string_arg(env, item);
    complete = args[i] != NULL;  // a hole would end argv early
  }
  if (complete) return args;
  free_argv(args);
  return NULL;
}

/**
 * spawnWatcher(argv): fd. Starts argv (searched on PATH) in a session of its own, its stdin a socket whose
 * other end is returned, stdout and stderr the null device. Our end is close-on-exec and stays open until
 * this process ends, however it ends: then the child reads EOF.
 */
static napi_value js_spawn_watcher(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char** args = argv_arg(env, argv[0]);
  if (args == NULL) {
    napi_throw_type_error(env, NULL, "spawnWatcher(argv): argv must be a non-empty array of strings");
    return NULL;
  }
  const int stdio[3] = {STDIO_PAIR, STDIO_NULL, STDIO_NULL};
  pid_t pid;
  int ends[3];
  int err = start_process(args, stdio, true, &pid, ends);
  free_argv(args);
  if (err != 0) {
    napi_throw(env, errno_error(env, err, "spawn watcher"));
    return NULL;
  }
  CHECK(napi_create_int32(env, ends[0], &result));
  return result;
}

/** A started process and the JS function told of its end. */
struct exit_watch {
  pid_t pid;
  napi_threadsafe_function on_exit;
};

/** Its own thread (a pool thread would be lost for the process's whole life): waits, then hands the status to node's thread. */
static void* wait_for_exit(void* arg) {
  struct exit_watch* watch = arg;
  int status = 0;
  int reaped;
  while ((reaped = waitpid(watch->pid, &status, 0)) < 0 && errno == EINTR) {
  }
  napi_call_threadsafe_function(watch->on_exit, (void*)(intptr_t)(reaped < 0 ? -1 : status), napi_tsfn_blocking);
  napi_release_threadsafe_function(watch->on_exit, napi_tsfn_release);
  free(watch);
  return NULL;
}

/** On node's thread: onExit(code, signal), code null when a signal ended it, both null when it was not ours to wait for. */
static void call_on_exit(napi_env env, napi_value on_exit, void* context, void* data) {
  if (env == NULL) return;  // node is shutting down
  int status = (int)(intptr_t)data;
  napi_value args[2], undefined;
  napi_get_null(env, &args[0]);
  napi_get_null(env, &args[1]);
  if (status >= 0 && WIFEXITED(status)) napi_create_int32(env, WEXITSTATUS(status), &args[0]);
  if (status >= 0 && WIFSIGNALED(status)) napi_create_int32(env, WTERMSIG(status), &args[1]);
  napi_get_undefined(env, &undefined);
  napi_call_function(env, undefined, on_exit, 2, args, NULL);
}

/**
 * spawnProcess(argv, stdio, onExit): [pid, fd0, fd1, fd2]. Starts argv (searched on PATH) in our process
 * group, with default signal handling. stdio[i] is -1 for the null device, -2 for a socket pair whose
 * other end (close-on-exec) comes back as fd<i> (else -1), or one of our fds, which the child gets as i.
 * onExit(code, signal) is called once the process ended; until then it keeps node's event loop alive,
 * as child_process does.
 */
static napi_value js_spawn_process(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], result;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int stdio[3];
  bool valid = true;
  for (uint32_t i = 0; i < 3 && valid; i++) {
    napi_value item;
    valid = napi_get_element(env, argv[1], i, &item) == napi_ok && napi_get_value_int32(env, item, &stdio[i]) == napi_ok && stdio[i] >= STDIO_PAIR;
  }
  napi_valuetype callback_type;
  valid = valid && napi_typeof(env, argv[2], &callback_type) == napi_ok && callback_type == napi_function;
  char** args = valid ? argv_arg(env, argv[0]) : NULL;
  if (args == NULL) {
    napi_throw_type_error(env, NULL, "spawnProcess(argv, stdio, onExit): bad arguments");
    return NULL;
  }
  struct exit_watch* watch = calloc(1, sizeof *watch);
  napi_value name;
  napi_create_string_utf8(env, "tsbuild:process-exit", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[2], NULL, name, 0, 1, NULL, NULL, NULL, call_on_exit, &watch->on_exit) != napi_ok) {
    free(watch);
    free_argv(args);
    napi_throw_error(env, NULL, "spawnProcess: cannot create its exit callback");
    return NULL;
  }
  int ends[3];
  pid_t pid;
  int err = start_process(args, stdio, false, &pid, ends);
  watch->pid = pid;  // a started waiter owns watch and frees it, maybe before we return: use pid below
  free_argv(args);
  pthread_t thread;
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
  if (err == 0 && (err = pthread_create(&thread, &attributes, wait_for_exit, watch)) != 0) {
    // Never waited for, it would stay a zombie and its end go unreported: it is ended and reaped here.
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    for (int i = 0; i < 3; i++)
      if (ends[i] >= 0) close(ends[i]);
  }
  pthread_attr_destroy(&attributes);
  if (err != 0) {
    napi_release_threadsafe_function(watch->on_exit, napi_tsfn_release);
    free(watch);
    napi_throw(env, errno_error(env, err, "spawn"));
    return NULL;
  }
  CHECK(napi_create_array_with_length(env, 4, &result));
  const int values[4] = {pid, ends[0], ends[1], ends[2]};
  for (uint32_t i = 0; i < 4; i++) {
    napi_value value;
    napi_create_int32(env, values[i], &value);
    napi_set_element(env, result, i, value);
  }
  return result;
}

// ---- locks ----

/**
 * tryLock(fd): boolean. An exclusive flock(2) on the open file `fd` without waiting: false while another
 * open file description holds it. Closing the file releases it.
 */
static napi_value js_try_lock(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd = -1;
  napi_get_value_int32(env, argv[0], &fd);
  int taken = flock(fd, LOCK_EX | LOCK_NB) == 0;
  if (!taken && errno != EWOULDBLOCK) {
    napi_throw(env, errno_error(env, errno, "flock"));
    return NULL;
  }
  CHECK(napi_get_boolean(env, taken, &result));
  return result;
}

// ---- extended attributes, synchronous, never following a final symlink ----

/**
 * xattrs(path): [name, Buffer][] of every attribute of `path`; [] when the filesystem has none or does
 * not support them. Other failures (the path is gone…) throw.
 */
static napi_value js_xattrs(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char* path = string_arg(env, argv[0]);
  CHECK(napi_create_array(env, &result));
  if (path == NULL) return result;
  char* names = NULL;
  ssize_t size;
  // The list may grow between the size query and the read: ask again while it does.
  for (;;) {
    size = llistxattr(path, NULL, 0);
    if (size <= 0) break;
    names = realloc(names, size);
    ssize_t got = llistxattr(path, names, size);
    if (got >= 0) {
      size = got;
      break;
    }
    if (errno != ERANGE) {
      size = -1;
      break;
    }
  }
  if (size < 0) {
    int err = errno;
    free(names);
    if (err == ENOTSUP || err == ENODATA) {
      free(path);
      return result;
    }
    napi_throw(env, errno_error(env, err, path));
    free(path);
    return NULL;
  }
  uint32_t index = 0;
  for (ssize_t at = 0; at < size; at += strlen(names + at) + 1) {
    const char* name = names + at;
    ssize_t length = lgetxattr(path, name, NULL, 0);
    if (length < 0) continue;  // removed meanwhile
    void* bytes;
    napi_value value, pair, key;
    CHECK(napi_create_buffer(env, length, &bytes, &value));
    length = lgetxattr(path, name, bytes, length);
    if (length < 0) continue;
    CHECK(napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &key));
    CHECK(napi_create_array_with_length(env, 2, &pair));
    CHECK(napi_set_element(env, pair, 0, key));
    CHECK(napi_set_element(env, pair, 1, value));
    CHECK(napi_set_element(env, result, index++, pair));
  }
  free(names);
  free(path);
  return result;
}

/** setXattr(path, name, value: Buffer): void. */
static napi_value js_set_xattr(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char* path = string_arg(env, argv[0]);
  char* name = string_arg(env, argv[1]);
  void* bytes = NULL;
  size_t length = 0;
  CHECK(napi_get_buffer_info(env, argv[2], &bytes, &length));
  if (path == NULL || name == NULL || lsetxattr(path, name, bytes, length, 0) != 0) {
    int err = path == NULL || name == NULL ? EINVAL : errno;
    char what[4352];
    snprintf(what, sizeof what, "set %s on %s", name ? name : "?", path ? path : "?");
    napi_throw(env, errno_error(env, err, what));
  }
  free(path);
  free(name);
  return NULL;
}

// ---- many lstats at once ----

#define LSTAT_FIELDS 19

/**
 * lstatMany(paths): Float64Array of 19 numbers per path, as lstat(2) gives them: mode, uid, gid, size,
 * nlink, dev (high, low 32 bits), ino (high, low), rdev (high, low), rdev major, rdev minor, then atime,
 * mtime and ctime as whole seconds and nanoseconds. Throws the errno of the first path that fails, naming
 * it. One call for a thousand paths costs their syscalls and one typed array, where fs.lstatSync costs a
 * Stats object (with bigints: eighteen BigInts and four Dates) each.
 */
static napi_value js_lstat_many(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], buffer, result;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  bool is_array = false;
  uint32_t count = 0;
  if (napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array || napi_get_array_length(env, argv[0], &count) != napi_ok) {
    napi_throw_type_error(env, NULL, "lstatMany(paths): an array of paths");
    return NULL;
  }
  void* data = NULL;
  CHECK(napi_create_arraybuffer(env, (size_t)count * LSTAT_FIELDS * sizeof(double), &data, &buffer));
  double* out = data;
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    CHECK(napi_get_element(env, argv[0], i, &item));
    char* path = string_arg(env, item);
    struct stat st;
    if (path == NULL || lstat(path, &st) != 0) {
      napi_throw(env, errno_error(env, path == NULL ? EINVAL : errno, path == NULL ? "lstatMany: not a path" : path));
      free(path);
      return NULL;
    }
    free(path);
    double* row = out + (size_t)i * LSTAT_FIELDS;
    double fields[LSTAT_FIELDS] = {
        st.st_mode,
        st.st_uid,
        st.st_gid,
        (double)st.st_size,
        (double)st.st_nlink,
        (double)((uint64_t)st.st_dev >> 32),
        (double)((uint64_t)st.st_dev & 0xffffffffu),
        (double)((uint64_t)st.st_ino >> 32),
        (double)((uint64_t)st.st_ino & 0xffffffffu),
        (double)((uint64_t)st.st_rdev >> 32),
        (double)((uint64_t)st.st_rdev & 0xffffffffu),
        major(st.st_rdev),
        minor(st.st_rdev),
        (double)st.st_atim.tv_sec,
        (double)st.st_atim.tv_nsec,
        (double)st.st_mtim.tv_sec,
        (double)st.st_mtim.tv_nsec,
        (double)st.st_ctim.tv_sec,
        (double)st.st_ctim.tv_nsec,
    };
    memcpy(row, fields, sizeof fields);
  }
  CHECK(napi_create_typedarray(env, napi_float64_array, (size_t)count * LSTAT_FIELDS, buffer, 0, &result));
  return result;
}

// ---- page-aligned memory ----

static void free_aligned(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  free(data);
}

/**
 * alignedBuffer(bytes): Buffer whose memory starts on a page boundary, as O_DIRECT writes need (Node's own
 * buffers come from malloc, 16-byte aligned). Freed when the Buffer is collected.
 */
static napi_value js_aligned_buffer(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int64_t bytes = 0;
  if (napi_get_value_int64(env, argv[0], &bytes) != napi_ok || bytes <= 0) {
    napi_throw_range_error(env, NULL, "alignedBuffer: the size must be a positive number");
    return NULL;
  }
  void* memory = NULL;
  int err = posix_memalign(&memory, (size_t)sysconf(_SC_PAGESIZE), (size_t)bytes);
  if (err != 0) {
    napi_throw(env, errno_error(env, err, "posix_memalign"));
    return NULL;
  }
  if (napi_create_external_buffer(env, (size_t)bytes, memory, free_aligned, NULL, &result) != napi_ok) {
    free(memory);
    napi_throw_error(env, NULL, "host addon: napi_create_external_buffer failed");
    return NULL;
  }
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"mount", NULL, js_mount, NULL, NULL, NULL, napi_enumerable, NULL},
      {"umount", NULL, js_umount, NULL, NULL, NULL, napi_enumerable, NULL},
      {"syncfs", NULL, js_syncfs, NULL, NULL, NULL, napi_enumerable, NULL},
      {"readFiles", NULL, js_read_files, NULL, NULL, NULL, napi_enumerable, NULL},
      {"linkFiles", NULL, js_link_files, NULL, NULL, NULL, napi_enumerable, NULL},
      {"createNetns", NULL, js_create_netns, NULL, NULL, NULL, napi_enumerable, NULL},
      {"tryLock", NULL, js_try_lock, NULL, NULL, NULL, napi_enumerable, NULL},
      {"spawnWatcher", NULL, js_spawn_watcher, NULL, NULL, NULL, napi_enumerable, NULL},
      {"spawnProcess", NULL, js_spawn_process, NULL, NULL, NULL, napi_enumerable, NULL},
      {"xattrs", NULL, js_xattrs, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lstatMany", NULL, js_lstat_many, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setXattr", NULL, js_set_xattr, NULL, NULL, NULL, napi_enumerable, NULL},
      {"alignedBuffer", NULL, js_aligned_buffer, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
