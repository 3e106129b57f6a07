// Unit facts about the generated OCI spec: Docker's capability set and masks, env defaults, user
// resolution rules, resolv.conf rewriting and the seccomp rules (pure logic; the real proof is runc.test.ts).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { defaultCapabilities, hostBoundingSet, resolveCapabilities } from '../../src/executor/capabilities.js';
import { buildStepHostsFile, sandboxResolvConf } from '../../src/executor/etc-files.js';
import { describeExit, type SandboxSpec } from '../../src/executor/executor.js';
import { buildOciSpec, maskedPaths, withDefaultEnv } from '../../src/executor/oci-spec.js';
import type { OciMount } from '../../src/executor/oci-types.js';
import { parseProcLimits } from '../../src/executor/rlimits.js';
import { defaultSeccompProfile } from '../../src/executor/seccomp.js';
import { resolveUser } from '../../src/executor/user.js';
import { baseSpec } from './sandbox-fixture.js';

const noCaps = { privileged: false, capAdd: [] as string[], capDrop: [] as string[] };

describe('capabilities', () => {
  it('defaults to Docker’s 14 capabilities', () => {
    expect(resolveCapabilities(noCaps)).toHaveLength(14);
    expect(new Set(resolveCapabilities(noCaps))).toEqual(new Set(defaultCapabilities));
  });

  it('adds and drops by name with or without CAP_, and ALL', () => {
    const caps = resolveCapabilities({ privileged: false, capAdd: ['net_admin'], capDrop: ['CAP_CHOWN'] });
    expect(caps).toContain('CAP_NET_ADMIN');
    expect(caps).not.toContain('CAP_CHOWN');
    expect(resolveCapabilities({ privileged: false, capAdd: [], capDrop: ['ALL'] })).toEqual([]);
    expect(resolveCapabilities({ privileged: false, capAdd: ['ALL'], capDrop: [] })).toEqual(hostBoundingSet());
  });

  it('never goes outside this process’s bounding set', () => {
    expect(resolveCapabilities({ privileged: true, capAdd: [], capDrop: [] })).toEqual(hostBoundingSet());
    const missing = ['CAP_SYS_RESOURCE', 'CAP_SYS_ADMIN'].find((name) => !hostBoundingSet().includes(name));
    if (missing) expect(() => resolveCapabilities({ privileged: false, capAdd: [missing], capDrop: [] })).toThrow(UserError);
    expect(() => resolveCapabilities({ privileged: false, capAdd: ['CAP_NOPE'], capDrop: [] })).toThrow('unknown capability: "CAP_NOPE"');
  });
});

describe('seccomp profile', () => {
  it('denies mount, unshare and namespace clones without CAP_SYS_ADMIN, and re-allows them with it', () => {
    const denied = (caps: string[]): string[] => defaultSeccompProfile(caps).syscalls.filter((rule) => !rule.args).flatMap((rule) => rule.names);
    for (const name of ['mount', 'umount2', 'unshare', 'keyctl', 'add_key', 'request_key', 'ptrace', 'reboot', 'swapon', 'kexec_load', 'bpf', 'perf_event_open', 'clone3']) {
      expect(denied(defaultCapabilities)).toContain(name);
    }
    expect(defaultSeccompProfile(defaultCapabilities).syscalls.filter((rule) => rule.names.includes('clone'))).toHaveLength(7);
    expect(denied([...defaultCapabilities, 'CAP_SYS_ADMIN'])).not.toContain('mount');
  });
});

describe('OCI spec', () => {
  const context = {
    rootfsPath: '/r',
    user: { uid: 0, gid: 0, additionalGids: [], home: '/root' },
    etcFiles: { hosts: '/b/hosts', hostname: '/b/hostname', resolvConf: '/b/resolv.conf' },
    netnsPath: undefined,
    cgroupsPath: '/tsbuild/x/sandbox',
    hostRlimits: parseProcLimits(
      'Limit                     Soft Limit           Hard Limit           Units     \n' +
        'Max cpu time              unlimited            unlimited            seconds   \n' +
        'Max open files            20000                20000                files     \n',
    ),
  };

  // `mount | grep /etc/` in `docker run --rm busybox` (20.10.24): resolv.conf, hostname, hosts, each "rw,relatime"
  // ("ro,relatime" under --read-only); a build step keeps them read-only.
  // BuildKit's executor binds only /etc/hosts and /etc/resolv.conf into a RUN step (seen with `ls /etc` in dockerd's BuildKit).
  it('binds /etc/resolv.conf, hostname and hosts writable in a container, as Docker; hosts and resolv.conf read-only in a build step', () => {
    const etc = (spec: SandboxSpec): OciMount[] => buildOciSpec(spec, context).mounts.filter((mount) => mount.destination.startsWith('/etc/'));
    expect(etc(baseSpec('x', ['true']))).toEqual([
      { destination: '/etc/resolv.conf', type: 'bind', source: '/b/resolv.conf', options: ['rbind', 'rw'] },
      { destination: '/etc/hostname', type: 'bind', source: '/b/hostname', options: ['rbind', 'rw'] },
      { destination: '/etc/hosts', type: 'bind', source: '/b/hosts', options: ['rbind', 'rw'] },
    ]);
    expect(etc({ ...baseSpec('x', ['true']), readonlyRootfs: true }).map((mount) => mount.options)).toEqual([['rbind', 'ro'], ['rbind', 'ro'], ['rbind', 'ro']]);
    expect(etc({ ...baseSpec('x', ['true']), conventions: 'buildkit' }).map((mount) => [mount.destination, ...mount.options])).toEqual([
      ['/etc/hosts', 'rbind', 'ro', 'nosuid', 'nodev', 'noexec'],
      ['/etc/resolv.conf', 'rbind', 'ro', 'nosuid', 'nodev', 'noexec'],
    ]);
  });

  it('clamps asked-for rlimits to tsbuild’s own hard limits and leaves unlimited ones as asked', () => {
    const process = { ...baseSpec('x', ['true']).process, rlimits: [
      { type: 'RLIMIT_NOFILE', soft: 1048576, hard: 1048576 },
      { type: 'RLIMIT_CPU', soft: 10, hard: 20 },
    ] };
    expect(buildOciSpec({ ...baseSpec('x', ['true']), process }, context).process.rlimits).toEqual([
      { type: 'RLIMIT_NOFILE', soft: 20000, hard: 20000 },
      { type: 'RLIMIT_CPU', soft: 10, hard: 20 },
    ]);
    expect(buildOciSpec(baseSpec('x', ['true']), context).process.rlimits).toBeUndefined();
  });

  it('masks Docker’s paths and isolates every namespace but the network on host mode', () => {
    const spec = buildOciSpec(baseSpec('x', ['true']), context);
    expect(spec.linux.maskedPaths).toEqual(maskedPaths);
    expect(spec.linux.readonlyPaths).toEqual(['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']);
    expect(spec.linux.namespaces.map((ns) => ns.type)).toEqual(['mount', 'pid', 'ipc', 'uts', 'network']);
    expect(spec.process.noNewPrivileges).toBe(false);
    expect(spec.mounts.find((m) => m.destination === '/dev/shm')?.options).toContain('size=67108864');
    expect(spec.mounts.find((m) => m.destination === '/sys')?.options).toContain('ro');
    const host = buildOciSpec({ ...baseSpec('x', ['true']), network: 'host' }, context);
    expect(host.linux.namespaces.map((ns) => ns.type)).not.toContain('network');
  });

  it('sizes /dev/shm by --shm-size, shares the host’s IPC under --ipc host and has no /dev/shm under --ipc none', () => {
    const shm = (spec: ReturnType<typeof buildOciSpec>): OciMount | undefined => spec.mounts.find((m) => m.destination === '/dev/shm');
    expect(shm(buildOciSpec({ ...baseSpec('x', ['true']), shmBytes: 1 << 20 }, context))?.options).toContain('size=1048576');
    const host = buildOciSpec({ ...baseSpec('x', ['true']), ipc: 'host' }, context);
    expect(host.linux.namespaces.map((ns) => ns.type)).toEqual(['mount', 'pid', 'uts', 'network']);
    expect(shm(host)?.source).toBe('/dev/shm');
    expect(shm(buildOciSpec({ ...baseSpec('x', ['true']), ipc: 'none' }, context))).toBeUndefined();
  });

  it('drops seccomp and masks for --privileged', () => {
    const spec = buildOciSpec({ ...baseSpec('x', ['true']), privileged: true }, context);
    expect(spec.linux.seccomp).toBeUndefined();
    expect(spec.linux.maskedPaths).toEqual([]);
    expect(spec.process.capabilities.effective).toEqual(hostBoundingSet());
  });

  it('adds PATH and HOME only when absent', () => {
    expect(withDefaultEnv(['A=1'], '/home/app', false)).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'A=1', 'HOME=/home/app']);
    expect(withDefaultEnv(['PATH=/x', 'HOME=/y'], '/home/app', false)).toEqual(['PATH=/x', 'HOME=/y']);
  });
});

describe('resolv.conf', () => {
  const host = 'search example.org\nnameserver 127.0.0.53\noptions edns0\n';
  it('drops loopback nameservers on a private network and falls back to public ones', () => {
    expect(sandboxResolvConf(host, 'bridge')).toBe('search example.org\noptions edns0\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n');
    expect(sandboxResolvConf('nameserver 127.0.0.1\nnameserver 10.0.0.2\n', 'bridge')).toBe('nameserver 10.0.0.2\n');
  });
  it('keeps the host’s file on the host network', () => {
    expect(sandboxResolvConf(host, 'host')).toBe(host);
  });
  // Docker's rebuilt file (libnetwork resolvconf.Build): each list given replaces the host's, other lines go.
  it('rebuilds it from --dns, --dns-search and --dns-option', () => {
    const none = { servers: [], search: [], options: [] };
    expect(sandboxResolvConf(host, 'bridge', { ...none, servers: ['9.9.9.9'] })).toBe('nameserver 9.9.9.9\nsearch example.org\noptions edns0\n');
    expect(sandboxResolvConf('nameserver 10.0.0.2\n', 'bridge', { ...none, search: ['a.test', 'b.test'], options: ['ndots:2'] })).toBe(
      'nameserver 10.0.0.2\nsearch a.test b.test\noptions ndots:2\n',
    );
    expect(sandboxResolvConf(host, 'bridge', { ...none, servers: ['1.1.1.1'], search: ['.'] })).toBe('nameserver 1.1.1.1\noptions edns0\n');
  });
});

describe('user resolution', () => {
  let rootfs: string;
  beforeAll(async () => {
    rootfs = await mkdtemp(join(tmpdir(), 'tsbuild-user-'));
    await mkdir(join(rootfs, 'etc'));
    await writeFile(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n');
    await writeFile(join(rootfs, 'etc', 'group'), 'root:x:0:\nwheel:x:10:root,app\nstaff:x:50:app\napp:x:1000:\n');
  });
  afterAll(() => rm(rootfs, { recursive: true, force: true }));

  // Docker 20.10.24's `id` for each form (busybox base): the primary group is always a supplementary one,
  // as in BuildKit's build steps (testUser, testUserAdditionalGids).
  it('resolves names, numbers and groups as Docker does, the primary group listed first', async () => {
    expect(await resolveUser(rootfs, 'app')).toEqual({ uid: 1000, gid: 1000, additionalGids: [1000, 10, 50], home: '/home/app' });
    expect(await resolveUser(rootfs, '1000')).toEqual({ uid: 1000, gid: 1000, additionalGids: [1000, 10, 50], home: '/home/app' });
    expect(await resolveUser(rootfs, '1000:1000')).toEqual({ uid: 1000, gid: 1000, additionalGids: [1000], home: '/home/app' });
    expect(await resolveUser(rootfs, 'app:staff')).toEqual({ uid: 1000, gid: 50, additionalGids: [50], home: '/home/app' });
    expect(await resolveUser(rootfs, '4242')).toEqual({ uid: 4242, gid: 0, additionalGids: [0], home: '/' });
    expect(await resolveUser(rootfs, '4242:77')).toEqual({ uid: 4242, gid: 77, additionalGids: [77], home: '/' });
    expect(await resolveUser(rootfs, '')).toEqual({ uid: 0, gid: 0, additionalGids: [0, 10], home: '/root' });
  });

  it('adds --group-add groups by name or number after the user’s own, once each', async () => {
    expect((await resolveUser(rootfs, 'app', ['staff', '77', '10'])).additionalGids).toEqual([1000, 10, 50, 77]);
    await expect(resolveUser(rootfs, '', ['audio'])).rejects.toThrow('Unable to find group audio: no matching entries in group file');
  });

  it('refuses unknown names with Docker’s message', async () => {
    await expect(resolveUser(rootfs, 'x')).rejects.toThrow(new UserError('unable to find user x: no matching entries in passwd file'));
    await expect(resolveUser(rootfs, 'app:nogroup')).rejects.toThrow('unable to find group nogroup: no matching entries in group file');
  });
});

describe('describeExit', () => {
  it('states how the process ended', () => {
    expect(describeExit({ exitCode: 3, signal: undefined, oomKilled: false })).toBe('exit code 3');
    expect(describeExit({ exitCode: 137, signal: 'SIGKILL', oomKilled: true })).toBe('killed by SIGKILL (out of memory)');
    expect(describeExit({ exitCode: 143, signal: 'SIGTERM', oomKilled: false })).toBe('killed by SIGTERM');
  });
});

describe('/etc/hosts of a build step', () => {
  it('names the hostname on the loopback line, then the --add-host entries, as BuildKit', () => {
    expect(buildStepHostsFile('buildkitsandbox', [{ host: 'db', ip: '10.0.0.9' }])).toBe(
      '127.0.0.1\tlocalhost buildkitsandbox\n::1\tlocalhost ip6-localhost ip6-loopback\n10.0.0.9\tdb\n',
    );
  });
});
