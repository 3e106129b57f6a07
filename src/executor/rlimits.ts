// Resource limits for the sandboxed process. Asked-for limits are clamped to this process's own hard
// limits: without CAP_SYS_RESOURCE (as on hosts where root lacks it) the runtime cannot raise a hard
// limit, and runc would fail the whole start instead of running with what the host allows.
import { readFileSync } from 'node:fs';

/** One POSIX rlimit as the OCI spec names it, e.g. { type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 }. */
export interface Rlimit {
  type: string;
  soft: number;
  hard: number;
}

/** The host process's limits by OCI name; `undefined` hard means unlimited. */
export type HostRlimits = ReadonlyMap<string, { soft: number | undefined; hard: number | undefined }>;

/** /proc/self/limits row names → OCI rlimit types. */
const procNames: Record<string, string> = {
  'Max cpu time': 'RLIMIT_CPU',
  'Max file size': 'RLIMIT_FSIZE',
  'Max data size': 'RLIMIT_DATA',
  'Max stack size': 'RLIMIT_STACK',
  'Max core file size': 'RLIMIT_CORE',
  'Max resident set': 'RLIMIT_RSS',
  'Max processes': 'RLIMIT_NPROC',
  'Max open files': 'RLIMIT_NOFILE',
  'Max locked memory': 'RLIMIT_MEMLOCK',
  'Max address space': 'RLIMIT_AS',
  'Max file locks': 'RLIMIT_LOCKS',
  'Max pending signals': 'RLIMIT_SIGPENDING',
  'Max msgqueue size': 'RLIMIT_MSGQUEUE',
  'Max nice priority': 'RLIMIT_NICE',
  'Max realtime priority': 'RLIMIT_RTPRIO',
  'Max realtime timeout': 'RLIMIT_RTTIME',
};

function parseLimit(text: string): number | undefined {
  return text === 'unlimited' ? undefined : Number(text);
}

/** Parses the text of /proc/<pid>/limits. */
export function parseProcLimits(text: string): HostRlimits {
  const limits = new Map<string, { soft: number | undefined; hard: number | undefined }>();
  for (const line of text.split('\n')) {
    const match = /^(Max [a-z ]+?)\s{2,}(\S+)\s+(\S+)/.exec(line);
    const type = match ? procNames[match[1] as string] : undefined;
    if (match && type) limits.set(type, { soft: parseLimit(match[2] as string), hard: parseLimit(match[3] as string) });
  }
  return limits;
}

let hostLimits: HostRlimits | undefined;

export function readHostRlimits(): HostRlimits {
  hostLimits ??= parseProcLimits(readFileSync('/proc/self/limits', 'utf8'));
  return hostLimits;
}

/** Each asked-for limit with its hard limit lowered to the host's, and its soft limit to that hard limit. */
export function clampRlimits(requested: readonly Rlimit[], host: HostRlimits): Rlimit[] {
  return requested.map(({ type, soft, hard }) => {
    const hostHard = host.get(type)?.hard;
    const clampedHard = hostHard === undefined ? hard : Math.min(hard, hostHard);
    return { type, soft: Math.min(soft, clampedHard), hard: clampedHard };
  });
}
