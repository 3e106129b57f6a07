// The real sandbox: runc over an overlay snapshot of the busybox base. Each test states one fact about
// what a sandboxed process sees or cannot do, as Docker's defaults promise.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { statePaths } from '../../src/config.js';
import { UserError } from '../../src/errors.js';
import { describeExit } from '../../src/executor/executor.js';
import { maskedPaths } from '../../src/executor/oci-spec.js';
import { readHostRlimits } from '../../src/executor/rlimits.js';
import { NativeSnapshotter } from '../../src/snapshot/native.js';
import { describeIf, sandboxMissing } from '../helpers/capabilities.js';
import { baseName, baseSpec, extractBase, openSandboxFixture, type SandboxFixture } from './sandbox-fixture.js';

const process0 = (args: string[], more: { env?: string[]; cwd?: string; user?: string } = {}) => ({
  args,
  env: more.env ?? [],
  cwd: more.cwd ?? '/',
  user: more.user ?? '',
  tty: false,
});

function hostHasProcess(pattern: string): boolean {
  try {
    execFileSync('pgrep', ['-f', `^${pattern}$`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describeIf('runc executor', sandboxMissing(), () => {
  let sandbox: SandboxFixture;
  beforeAll(async () => {
    sandbox = await openSandboxFixture();
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('reports the exit code', async () => {
    const result = await sandbox.run(['sh', '-c', 'exit 3']);
    expect(result).toMatchObject({ exitCode: 3, signal: undefined, oomKilled: false });
    expect(describeExit(result)).toBe('exit code 3');
  });

  it('passes env with Docker’s PATH and HOME defaults, and the cwd', async () => {
    const result = await sandbox.run([], { process: process0(['sh', '-c', 'echo "$PATH|$HOME|$GREETING"; pwd'], { env: ['GREETING=hi'], cwd: '/var/www' }) });
    expect(result.stdout).toBe('/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin|/root|hi\n/var/www\n');
  });

  it('runs as the user with primary and supplementary groups from the rootfs', async () => {
    const app = await sandbox.run([], { process: process0(['sh', '-c', 'id -u; id -g; id -G; echo $HOME'], { user: 'app' }) });
    expect(app.stdout).toBe('1000\n1000\n1000 10 50\n/home/app\n');
    const numeric = await sandbox.run([], { process: process0(['sh', '-c', 'id -u; id -g'], { user: '4242:50' }) });
    expect(numeric.stdout).toBe('4242\n50\n');
    await expect(sandbox.run([], { process: process0(['true'], { user: 'ghost' }) })).rejects.toThrow(
      new UserError('unable to find user ghost: no matching entries in passwd file'),
    );
  });

  it('gives Docker’s default capabilities and seccomp filter', async () => {
    const result = await sandbox.run(['sh', '-c', 'grep -E "^(CapEff|Seccomp):" /proc/self/status']);
    expect(result.stdout).toBe('CapEff:\t00000000a80425fb\nSeccomp:\t2\n');
  });

  it('denies mount and unshare through seccomp', async () => {
    const result = await sandbox.run(['sh', '-c', 'mount -t tmpfs none /tmp; echo mount=$?; unshare -n true; echo unshare=$?']);
    expect(result.stdout).toBe('mount=1\nunshare=1\n');
    expect(result.stderr).toMatch(/mount: permission denied/);
    expect(result.stderr).toMatch(/unshare: unshare\(.*\): Operation not permitted/);
  });

  it('masks Docker’s /proc and /sys paths and keeps /proc/sys read-only', async () => {
    // This kernel has no /proc/kcore (CONFIG_PROC_KCORE off); every masked path the host has is checked.
    const present = maskedPaths.filter((path) => existsSync(path));
    expect(present.length).toBeGreaterThan(2);
    const script = present.map((path) => `if [ -d ${path} ]; then echo "${path} $(ls -A ${path} | wc -l) entries"; else stat -c "%n %t:%T" ${path}; fi`);
    const result = await sandbox.run(['sh', '-c', `${script.join('; ')}; echo 1 > /proc/sys/kernel/panic && echo wrote`]);
    const expected = present.map((path) => (statSync(path).isDirectory() ? `${path} 0 entries` : `${path} 1:3`));
    expect(result.stdout).toBe(`${expected.join('\n')}\n`);
    expect(result.stderr).toMatch(/Read-only file system/);
  });

  it('sets the hostname and generated /etc files', async () => {
    const result = await sandbox.run(['sh', '-c', 'hostname; cat /etc/hostname; grep -c localhost /etc/hosts'], { hostname: 'builder-7' });
    expect(result.stdout).toBe('builder-7\nbuilder-7\n2\n');
  });

  it('applies the cpu, memory and pids limits to its cgroup', async () => {
    const result = await sandbox.run(['sh', '-c', 'cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max'], {
      limits: { cpuQuota: 50_000, memoryBytes: 64 * 1024 * 1024, pidsLimit: 42 },
    });
    expect(result.stdout).toBe(`50000\n${64 * 1024 * 1024}\n42\n`);
  });

  it('stops a fork bomb at the pids limit', async () => {
    const result = await sandbox.run(['sh', '-c', 'i=0; while [ $i -lt 200 ]; do sleep 30 & i=$((i+1)); done; echo all-started'], { limits: { pidsLimit: 20 } });
    expect(result.stdout).not.toContain('all-started');
    expect(result.stderr).toMatch(/can't fork|Resource temporarily unavailable/);
    expect(result.exitCode).not.toBe(0);
    expect(hostHasProcess('sleep 30')).toBe(false);
  });

  it('OOM-kills a process over the memory limit and says so', async () => {
    const result = await sandbox.run(['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=128M', 'count=1'], { limits: { memoryBytes: 32 * 1024 * 1024 } });
    expect(result).toMatchObject({ exitCode: 137, signal: 'SIGKILL', oomKilled: true });
    expect(describeExit(result)).toBe('killed by SIGKILL (out of memory)');
  });

  it('reaches the bridge gateway on the default network but not with network none', async () => {
    const bridged = await sandbox.run(['sh', '-c', 'gw=$(ip route | awk "/^default/ {print \\$3}"); echo $gw; ping -c 1 -W 2 $gw >/dev/null && echo reached'], { network: 'bridge' });
    const [gateway, reached] = bridged.stdout.trim().split('\n');
    expect(gateway).toMatch(/^\d+\.\d+\.0\.1$/);
    expect(reached).toBe('reached');
    const isolated = await sandbox.run(['sh', '-c', `ip -o link | grep -c ': eth'; ping -c 1 -W 1 ${gateway} >/dev/null 2>&1 || echo unreachable`]);
    expect(isolated.stdout).toBe('0\nunreachable\n');
  });

  it('cannot see host processes', async () => {
    const result = await sandbox.run(['sh', '-c', 'ls /proc | grep -c "^[0-9][0-9]*$"']);
    expect(Number(result.stdout.trim())).toBeLessThanOrEqual(3);
  });

  it('cannot write host files through /proc/*/root', async () => {
    const marker = `tsbuild-escape-${process.pid}`;
    await sandbox.run(['sh', '-c', `echo x > /proc/1/root/tmp/${marker}; echo x > /proc/self/root/../../tmp/${marker}-2; echo x > /proc/self/cwd/../../tmp/${marker}-3`]);
    for (const suffix of ['', '-2', '-3']) expect(existsSync(`/tmp/${marker}${suffix}`)).toBe(false);
  });

  it('leaves no process behind: background children die with the step, abort kills everything', async () => {
    const result = await sandbox.run(['sh', '-c', 'sleep 4242 & echo started']);
    expect(result.stdout).toBe('started\n');
    expect(hostHasProcess('sleep 4242')).toBe(false);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const aborted = await sandbox.run(['sleep', '4343'], { signal: controller.signal });
    expect(aborted).toMatchObject({ exitCode: 137, signal: 'SIGKILL', oomKilled: false });
    expect(hostHasProcess('sleep 4343')).toBe(false);
  });

  it('streams stdin in and large output out untruncated', async () => {
    const result = await sandbox.run(['sh', '-c', 'cat; head -c 3000000 /dev/zero | tr "\\0" x; head -c 1000000 /dev/zero | tr "\\0" y >&2'], {
      stdin: Readable.from(['hello ', 'sandbox\n']),
    });
    expect(result.stdout.startsWith('hello sandbox\n')).toBe(true);
    expect(result.stdout.length).toBe('hello sandbox\n'.length + 3_000_000);
    expect(result.stderr.length).toBe(1_000_000);
  });

  it('shares the host network and resolv.conf on the host network', async () => {
    // The host's default-route device is visible only in the host's namespace (veths of sandboxes that other
    // test files run at the same time come and go, so they are not counted).
    const hostDevice = /\bdev (\S+)/.exec(execFileSync('ip', ['route', 'show', 'default'], { encoding: 'utf8' }))?.[1] ?? 'lo';
    const result = await sandbox.run(['sh', '-c', `test -e /sys/class/net/${hostDevice} && echo has-${hostDevice}; cat /etc/resolv.conf`], {
      network: 'host',
    });
    expect(result.stdout).toBe(`has-${hostDevice}\n${readFileSync('/etc/resolv.conf', 'utf8')}`);
  });

  it('grants --cap-add SYS_ADMIN the mount syscall, and --privileged everything tsbuild holds without seccomp', async () => {
    const admin = await sandbox.run(['sh', '-c', 'mount -t tmpfs none /tmp && echo mounted'], { capAdd: ['SYS_ADMIN'] });
    expect(admin.stdout).toBe('mounted\n');
    const privileged = await sandbox.run(['sh', '-c', 'grep -E "^(CapEff|Seccomp):" /proc/self/status'], { privileged: true });
    const hostBounding = /^CapBnd:\s*(\S+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    expect(privileged.stdout).toBe(`CapEff:\t${hostBounding}\nSeccomp:\t0\n`);
  });

  it('applies rlimits, clamping one above tsbuild’s own hard limit instead of failing the start', async () => {
    const withNofile = (args: string[], soft: number, hard: number) =>
      sandbox.run(args, { process: { ...baseSpec('x', args).process, rlimits: [{ type: 'RLIMIT_NOFILE', soft, hard }] } });
    expect((await withNofile(['sh', '-c', 'ulimit -Sn; ulimit -Hn'], 512, 1024)).stdout).toBe('512\n1024\n');
    const hostHard = readHostRlimits().get('RLIMIT_NOFILE')?.hard ?? 1 << 20;
    const high = await withNofile(['sh', '-c', 'ulimit -Hn'], 1 << 20, 1 << 20);
    expect(high.exitCode).toBe(0);
    expect(high.stdout).toBe(`${Math.min(hostHard, 1 << 20)}\n`);
  });

  it('keeps a read-only rootfs read-only', async () => {
    const result = await sandbox.run(['sh', '-c', 'touch /etc/x || echo refused; touch /dev/shm/ok && echo shm-writable'], { readonlyRootfs: true });
    expect(result.stdout).toBe('refused\nshm-writable\n');
    expect(result.stderr).toMatch(/Read-only file system/);
  });

  it('leaves no mount-point stubs in the snapshot: an empty step changes nothing', async () => {
    const changesAfter = async (key: string, args: string[]) => {
      const rootfs = await sandbox.snapshotter.prepare(key, baseName);
      const output = new PassThrough().resume();
      const result = await sandbox.executor.run({ ...baseSpec(key, args), rootfs }, { stdout: output, stderr: output });
      expect(result.exitCode).toBe(0);
      const { changes } = await sandbox.snapshotter.changes(key);
      await sandbox.snapshotter.remove(key);
      return changes;
    };
    expect(await changesAfter(`stub-empty-${process.pid}`, ['true'])).toEqual([]);
    expect(await changesAfter(`stub-touch-${process.pid}`, ['touch', '/etc/new'])).toEqual([
      { kind: 'modify', path: 'etc' },
      { kind: 'add', path: 'etc/new' },
    ]);
  });

  it('gives a terminal when asked', async () => {
    const result = await sandbox.run([], { process: { ...process0(['sh', '-c', 'tty; echo $TERM']), tty: true } });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/\/dev\/pts\/\d+\r\nxterm\r\n$/);
  });

  it('runs over the native snapshotter too', async () => {
    const native = new NativeSnapshotter(join(statePaths(sandbox.root).snapshots, 'native'));
    await extractBase(native, sandbox.root);
    const key = `native-${process.pid}`;
    const rootfs = await native.prepare(key, baseName);
    const output = new PassThrough();
    const chunks: Buffer[] = [];
    output.on('data', (chunk: Buffer) => chunks.push(chunk));
    const result = await sandbox.executor.run({ ...baseSpec(key, ['sh', '-c', 'head -1 /etc/passwd; touch /new']), rootfs }, { stdout: output, stderr: output });
    expect(result.exitCode).toBe(0);
    expect(Buffer.concat(chunks).toString()).toBe('root:x:0:0:root:/root:/bin/sh\n');
    expect((await native.changes(key)).changes).toEqual([{ kind: 'add', path: 'new' }]);
    await native.remove(key);
  });

  it('fails clearly when crun is chosen on this cgroup v1 host', async () => {
    await expect(sandbox.run(['true'], { runtime: 'crun' })).rejects.toThrow(/^crun could not run the process: /);
  });
});
