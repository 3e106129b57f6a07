// Which Linux capabilities a sandbox gets: Docker's 14 defaults (CapEff 00000000a80425fb), adjusted by
// --cap-add/--cap-drop, or everything this process may hand out for --privileged. Nothing outside our
// own bounding set is ever requested: runc would fail, and it would be a lie about the sandbox.
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.js';

/** Capability names by bit number (linux/capability.h). */
const capabilityNames = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ',
  'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
] as const;

/** Docker's default set (moby oci/caps defaults). */
export const defaultCapabilities = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

let boundingSet: string[] | undefined;

/** The capabilities in this process's bounding set (CapBnd in /proc/self/status). */
export function hostBoundingSet(): string[] {
  if (!boundingSet) {
    const line = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    const mask = BigInt(`0x${line?.[1] ?? '0'}`);
    boundingSet = capabilityNames.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
  }
  return boundingSet;
}

function normalize(name: string): string {
  const upper = name.toUpperCase();
  return upper === 'ALL' || upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
}

/** The capability set for a sandbox, sorted by bit number. */
export function resolveCapabilities(options: { privileged: boolean; capAdd: string[]; capDrop: string[] }): string[] {
  const available = hostBoundingSet();
  if (options.privileged) return [...available];
  const adds = options.capAdd.map(normalize);
  const drops = options.capDrop.map(normalize);
  for (const name of [...adds, ...drops]) {
    if (name !== 'ALL' && !(capabilityNames as readonly string[]).includes(name)) throw new UserError(`unknown capability: "${name}"`);
  }
  const chosen = new Set(adds.includes('ALL') ? available : defaultCapabilities);
  for (const name of adds) {
    if (name === 'ALL') continue;
    if (!available.includes(name)) throw new UserError(`capability ${name} is not in tsbuild's own bounding set, so a sandbox cannot have it`);
    chosen.add(name);
  }
  if (drops.includes('ALL')) chosen.clear();
  for (const name of drops) chosen.delete(name);
  for (const name of adds) if (name !== 'ALL' && drops.includes('ALL')) chosen.add(name);
  return capabilityNames.filter((name) => chosen.has(name) && available.includes(name));
}
