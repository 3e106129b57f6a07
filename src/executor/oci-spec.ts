// SandboxSpec → OCI runtime spec (config.json) with Docker's isolation defaults: the default capability
// set, our seccomp profile, Docker's masked and read-only /proc and /sys paths, a minimal /dev,
// /dev/shm of 64 MiB, new mount/pid/ipc/uts/net namespaces and cgroup limits. --privileged lifts the
// capability, seccomp, path and device restrictions, as Docker's does.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { resolveCapabilities } from './capabilities.js';
import type { EtcFiles } from './etc-files.js';
import type { SandboxSpec } from './executor.js';
import type { OciDevice, OciMount, OciSpec } from './oci-types.js';
import { clampRlimits, type HostRlimits } from './rlimits.js';
import { defaultSeccompProfile } from './seccomp.js';
import type { ExecUser } from './user.js';

export const maskedPaths = [
  '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats',
  '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];

export const readonlyPaths = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export const defaultPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const shmBytes = 64 * 1024 * 1024;

export interface SpecContext {
  rootfsPath: string;
  user: ExecUser;
  etcFiles: EtcFiles;
  /** Network namespace to join (bridge); undefined = a new empty one (none) unless network is host. */
  netnsPath: string | undefined;
  cgroupsPath: string;
  /** tsbuild's own limits: asked-for rlimits are clamped to them. */
  hostRlimits: HostRlimits;
}

export function buildOciSpec(spec: SandboxSpec, context: SpecContext): OciSpec {
  const capabilities = resolveCapabilities(spec);
  const namespaces: { type: string; path?: string }[] = [{ type: 'mount' }, { type: 'pid' }, ...(spec.ipc === 'host' ? [] : [{ type: 'ipc' }]), { type: 'uts' }];
  if (spec.network !== 'host') namespaces.push(context.netnsPath === undefined ? { type: 'network' } : { type: 'network', path: context.netnsPath });
  const { memoryBytes, pidsLimit, cpuQuota } = spec.limits;
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: spec.process.tty,
      user: { uid: context.user.uid, gid: context.user.gid, additionalGids: context.user.additionalGids },
      args: spec.process.args,
      env: withDefaultEnv(spec.process.env, context.user.home, spec.process.tty),
      cwd: spec.process.cwd,
      capabilities: { bounding: capabilities, effective: capabilities, permitted: capabilities },
      noNewPrivileges: false,
      ...(spec.process.rlimits === undefined ? {} : { rlimits: clampRlimits(spec.process.rlimits, context.hostRlimits) }),
    },
    root: { path: context.rootfsPath, readonly: spec.readonlyRootfs },
    hostname: spec.hostname,
    mounts: [...systemMounts(spec), ...etcMounts(context.etcFiles, spec), ...spec.mounts.map(toOciMount)],
    linux: {
      namespaces,
      cgroupsPath: context.cgroupsPath,
      // Docker lets any user ping and bind low ports inside a private network namespace.
      ...(spec.network === 'host' ? {} : { sysctl: { 'net.ipv4.ping_group_range': '0 2147483647', 'net.ipv4.ip_unprivileged_port_start': '0' } }),
      resources: {
        devices: [{ allow: spec.privileged, access: 'rwm' }],
        // swap = limit: the memory limit is the limit, it cannot spill into swap.
        ...(memoryBytes === undefined ? {} : { memory: { limit: memoryBytes, swap: memoryBytes } }),
        ...(pidsLimit === undefined ? {} : { pids: { limit: pidsLimit } }),
        ...(cpuQuota === undefined ? {} : { cpu: { quota: cpuQuota, period: 100_000 } }),
      },
      ...(spec.privileged ? { devices: hostDevices() } : { seccomp: defaultSeccompProfile(capabilities) }),
      maskedPaths: spec.privileged ? [] : maskedPaths,
      readonlyPaths: spec.privileged ? [] : readonlyPaths,
    },
  };
}

/** Docker adds PATH and HOME when the image and step leave them out (and TERM for a terminal). */
export function withDefaultEnv(env: string[], home: string, tty: boolean): string[] {
  const has = (name: string): boolean => env.some((entry) => entry.startsWith(`${name}=`));
  const result = [...env];
  if (!has('PATH')) result.unshift(`PATH=${defaultPath}`);
  if (!has('HOME')) result.push(`HOME=${home}`);
  if (tty && !has('TERM')) result.push('TERM=xterm');
  return result;
}

/** /dev/shm: a private tmpfs, the host's own under --ipc host, none under --ipc none. */
function shmMounts(spec: SandboxSpec): OciMount[] {
  if (spec.ipc === 'none') return [];
  if (spec.ipc === 'host') return [{ destination: '/dev/shm', type: 'bind', source: '/dev/shm', options: ['rbind', 'rw'] }];
  return [{ destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${spec.shmBytes ?? shmBytes}`] }];
}

function systemMounts(spec: SandboxSpec): OciMount[] {
  const privileged = spec.privileged;
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', privileged ? 'rw' : 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', privileged ? 'rw' : 'ro'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    ...shmMounts(spec),
  ];
}

/**
 * A build step gets BuildKit's two generated files, read-only (its /etc/hostname is the image's own); a Docker
 * container gets three, its own to edit (writable unless --read-only, no nosuid/nodev/noexec), mounted in
 * Docker's order, as its `mount` shows.
 */
function etcMounts(files: EtcFiles, spec: SandboxSpec): OciMount[] {
  if (spec.conventions === 'buildkit') {
    const bind = (destination: string, source: string): OciMount => ({ destination, type: 'bind', source, options: ['rbind', 'ro', 'nosuid', 'nodev', 'noexec'] });
    return [bind('/etc/hosts', files.hosts), bind('/etc/resolv.conf', files.resolvConf)];
  }
  const bind = (destination: string, source: string): OciMount => ({ destination, type: 'bind', source, options: ['rbind', spec.readonlyRootfs ? 'ro' : 'rw'] });
  return [bind('/etc/resolv.conf', files.resolvConf), bind('/etc/hostname', files.hostname), bind('/etc/hosts', files.hosts)];
}

function toOciMount(mount: SandboxSpec['mounts'][number]): OciMount {
  if (mount.type === 'tmpfs') return { destination: mount.destination, type: 'tmpfs', source: 'tmpfs', options: mount.options };
  return { destination: mount.destination, type: 'bind', source: mount.source, options: ['rbind', ...mount.options] };
}

/** The host's device nodes directly under /dev, for --privileged. */
function hostDevices(): OciDevice[] {
  const devices: OciDevice[] = [];
  for (const name of readdirSync('/dev')) {
    const stats = statSync(join('/dev', name), { throwIfNoEntry: false });
    if (!stats || !(stats.isCharacterDevice() || stats.isBlockDevice())) continue;
    devices.push({
      path: join('/dev', name),
      type: stats.isCharacterDevice() ? 'c' : 'b',
      major: Math.floor(stats.rdev / 256) & 0xfff,
      minor: (stats.rdev & 0xff) | ((stats.rdev >> 12) & 0xfff00),
      fileMode: stats.mode & 0o7777,
      uid: stats.uid,
      gid: stats.gid,
    });
  }
  return devices;
}
