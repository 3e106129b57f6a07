// Starting a process through the addon (native/spawn.c: posix_spawn) instead of child_process, which forks
// node: 2–3 ms of the main thread per process once a build's heap has grown, paid by every RUN and `run`.
// Streams are socket pairs, as child_process makes them, so the process sees what it saw before.
import { Socket } from 'node:net';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { hostAddon } from './addon.js';

/** A child's standard stream: a new socket pair ('pipe'), the null device ('ignore'), or one of our fds. */
export type StdioSpec = 'pipe' | 'ignore' | number;

export interface ProcessEnd {
  /** The exit code, null when a signal ended the process. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartedProcess {
  pid: number;
  /** The streams given as 'pipe'. */
  stdin: Writable | undefined;
  stdout: Readable | undefined;
  stderr: Readable | undefined;
  /** How it ended, once its piped output has been read to the end too (child_process's 'close'). */
  closed: Promise<ProcessEnd>;
}

const stdioCodes = { ignore: -1, pipe: -2 } as const;

/**
 * Starts argv (argv[0] searched on PATH) with our environment, in our process group, with default signal
 * handling. Throws as the addon does when it cannot start (code ENOENT for a missing program).
 */
export function startProcess(argv: string[], stdio: [StdioSpec, StdioSpec, StdioSpec]): StartedProcess {
  let onExit: (code: number | null, signal: number | null) => void = () => undefined;
  const exited = new Promise<ProcessEnd>((resolve, reject) => {
    onExit = (code, signal) => {
      if (code === null && signal === null) reject(new Error(`process ${argv[0]} was reaped by someone else`));
      else resolve({ code, signal: signal === null ? null : signalName(signal) });
    };
  });
  const codes = stdio.map((spec) => (typeof spec === 'number' ? spec : stdioCodes[spec]));
  const [pid, ...ends] = hostAddon().spawnProcess(argv, codes, (code, signal) => onExit(code, signal));
  const [stdin, stdout, stderr] = ends.map((fd, index) => (fd < 0 ? undefined : new Socket({ fd, readable: index > 0, writable: index === 0 })));
  // 'close' comes after the end of the output or after an error: either way nothing more will arrive.
  const drained = [stdout, stderr].flatMap((stream) => (stream === undefined ? [] : [new Promise((closed) => stream.once('close', closed))]));
  return { pid: pid as number, stdin, stdout, stderr, closed: Promise.all([exited, ...drained]).then(([end]) => end) };
}

function signalName(signal: number): NodeJS.Signals | null {
  const entry = Object.entries(constants.signals).find(([, value]) => value === signal);
  return (entry?.[0] as NodeJS.Signals | undefined) ?? null;
}
