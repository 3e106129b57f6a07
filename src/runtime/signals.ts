// Signals around a foreground container: the ones `tsbuild run` relays to the container's main process,
// the 128+n exit status of a killed process, and whether the process holding a container is still alive.
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';

/** Signals `tsbuild run` catches and passes on to the container's main process (SIGKILL/SIGSTOP cannot be caught). */
export const relayedSignals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/** 128 + the signal's number, as shells and Docker report a process killed by it. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/**
 * Calls `relay` for each of `signals` this process receives until the returned function is called.
 * While installed, the signals no longer terminate this process: the container decides how it ends.
 */
export function relaySignals(signals: NodeJS.Signals[], relay: (signal: NodeJS.Signals) => void): () => void {
  const handlers = signals.map((signal) => {
    const handler = (): void => relay(signal);
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}

/** Fields 3… of /proc/<pid>/stat (state, ppid, …); undefined when there is no such process. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses; fields after it follow the last ")".
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat: start time in clock ticks since boot, which tells a reused pid apart. */
export function processStartTime(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

/** Whether the process recorded as `{pid, startTime}` still runs: not gone, not a zombie, not a newer process with its pid. */
export function isAlive(process: { pid: number; startTime: string }): boolean {
  const fields = statFields(process.pid);
  return fields !== undefined && fields[0] !== 'Z' && fields[19] === process.startTime;
}
