// `tsbuild run`'s privilege, capability, memory, IPC, DNS, group and name flags through the real CLI with the busybox base:
// what the process inside sees (/proc/self/status, cgroup files, /etc files, PID 1), Docker's exit codes
// and messages for bad values, and nothing left behind.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeIf, sandboxMissing } from '../helpers/capabilities.js';
import { busyboxTar, leftovers, makeStateRoot, runtimeMissing, tsbuild, tsbuildOk } from './run-helpers.js';

const missing = [...sandboxMissing(), ...(await runtimeMissing())];
let state: Awaited<ReturnType<typeof makeStateRoot>>;
let root: string;

beforeAll(async () => {
  state = await makeStateRoot('run-flags');
  root = state.root;
  if (missing.length === 0) tsbuildOk(root, ['import', busyboxTar, 'bb:1']);
});
afterAll(() => state.cleanup());

/** Docker's default capability set as CapEff shows it. */
const dockerDefaultCaps = '00000000a80425fb';

function statusField(text: string, field: string): string | undefined {
  return new RegExp(`^${field}:\\s*(\\S+)$`, 'm').exec(text)?.[1];
}

/** The script's output inside a --rm container of bb:1 started with `flags`. */
function inside(flags: string[], script: string): ReturnType<typeof tsbuild> {
  return tsbuild(root, ['run', '--rm', ...flags, 'bb:1', 'sh', '-c', script]);
}

describeIf('tsbuild run privilege and resource flags (CLI, real runc)', missing, () => {
  const probe = 'cat /proc/self/status; echo devices=$(ls /dev | wc -l); mkdir /m && mount -t tmpfs none /m && echo mounted; unshare -r true && echo unshared';

  it('--privileged: every capability tsbuild holds, the host devices, no seccomp', () => {
    const hostBounding = statusField(readFileSync('/proc/self/status', 'utf8'), 'CapBnd');
    const privileged = inside(['--privileged'], probe);
    const confined = inside([], probe);
    expect(privileged.code).toBe(0);
    expect(statusField(privileged.stdout, 'CapEff')).toBe(hostBounding);
    expect(statusField(privileged.stdout, 'Seccomp')).toBe('0');
    expect(privileged.stdout).toMatch(/^mounted$/m);
    expect(privileged.stdout).toMatch(/^unshared$/m);
    expect(Number(/devices=(\d+)/.exec(privileged.stdout)?.[1])).toBeGreaterThan(Number(/devices=(\d+)/.exec(confined.stdout)?.[1]));
    // Without it: Docker's default set, the seccomp filter, and neither mount nor a user namespace.
    expect(statusField(confined.stdout, 'CapEff')).toBe(dockerDefaultCaps);
    expect(statusField(confined.stdout, 'Seccomp')).toBe('2');
    expect(confined.stdout).not.toMatch(/^(mounted|unshared)$/m);
    expect(confined.code).not.toBe(0);
  });

  it('--cap-add NET_ADMIN lets the process reconfigure its network', () => {
    const added = inside(['--cap-add', 'NET_ADMIN'], "grep CapEff /proc/self/status; ip link set lo down && echo 'lo down'");
    expect(added).toMatchObject({ code: 0, stdout: 'CapEff:\t00000000a80435fb\nlo down\n' });
    const refused = inside([], 'ip link set lo down');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/Operation not permitted/);
  });

  it('--cap-drop CHOWN and ALL take capabilities away (names with or without CAP_, any case)', () => {
    expect(inside(['--cap-drop', 'CHOWN'], 'touch /x && chown 1000 /x')).toMatchObject({ code: 1, stderr: 'chown: /x: Operation not permitted\n' });
    expect(inside(['--cap-drop', 'cap_chown'], 'grep CapEff /proc/self/status').stdout).toBe('CapEff:\t00000000a80425fa\n');
    const none = inside(['--cap-drop', 'ALL'], 'grep CapEff /proc/self/status; touch /x && chown 1000 /x');
    expect(none).toMatchObject({ code: 1, stdout: 'CapEff:\t0000000000000000\n', stderr: 'chown: /x: Operation not permitted\n' });
    expect(inside(['--cap-drop', 'ALL', '--cap-add', 'CHOWN'], 'grep CapEff /proc/self/status; touch /x && chown 1000 /x && echo owned').stdout).toBe(
      'CapEff:\t0000000000000001\nowned\n',
    );
    // ALL is every capability tsbuild holds; a drop beside it still applies (NET_ADMIN is bit 12).
    const allButNetAdmin = BigInt(`0x${statusField(readFileSync('/proc/self/status', 'utf8'), 'CapBnd') ?? '0'}`) & ~(1n << 12n);
    expect(inside(['--cap-add', 'ALL', '--cap-drop', 'NET_ADMIN'], 'grep CapEff /proc/self/status').stdout).toBe(`CapEff:\t${allButNetAdmin.toString(16).padStart(16, '0')}\n`);
  });

  it('refuses unknown capabilities as Docker does: 125, one line, nothing created', () => {
    expect(tsbuild(root, ['run', '--rm', '--cap-add', 'BOGUS', 'bb:1', 'true'])).toMatchObject({
      code: 125,
      stdout: '',
      stderr: 'tsbuild: invalid CapAdd: unknown capability: "CAP_BOGUS"\nSee \'tsbuild run --help\'.\n',
    });
    expect(tsbuild(root, ['run', '--cap-drop', 'NET_ADMIN,NET_RAW', 'bb:1', 'true'])).toMatchObject({
      code: 125,
      stderr: 'tsbuild: invalid CapDrop: unknown capability: "CAP_NET_ADMIN,NET_RAW"\nSee \'tsbuild run --help\'.\n',
    });
    expect(leftovers(root)).toEqual([]);
  });

  it('--memory limits the cgroup; exceeding it is an OOM kill: 137, recorded', () => {
    expect(inside(['--memory', '32m'], 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes').stdout).toBe('33554432\n');
    // The shell (PID 1) holds 100 MB in a variable: the kernel kills it, as `docker run -m` reports 137.
    const hog = tsbuild(root, ['run', '--name', 'hog', '-m', '32m', 'bb:1', 'sh', '-c', 'x=$(head -c 100000000 /dev/zero | tr "\\0" a); echo survived']);
    expect(hog).toMatchObject({ code: 137, stdout: '' });
    expect(tsbuildOk(root, ['ps', '-a'])).toMatch(/Exited \(137\) .* hog\n/);
    const records = readdirSync(join(root, 'containers')).filter((name) => /^[a-f0-9]{64}$/.test(name));
    const states = records.map((id) => JSON.parse(readFileSync(join(root, 'containers', id, 'state.json'), 'utf8')) as { exitCode?: number; oomKilled?: boolean });
    expect(states).toContainEqual(expect.objectContaining({ exitCode: 137, oomKilled: true }));
    tsbuildOk(root, ['rm', 'hog']);
    expect(leftovers(root)).toEqual([]);
  });

  it('refuses memory limits Docker refuses (125) and takes 0 as no limit', () => {
    expect(tsbuild(root, ['run', '--rm', '-m', '1m', 'bb:1', 'true'])).toMatchObject({ code: 125, stderr: 'tsbuild: Minimum memory limit allowed is 6MB\nSee \'tsbuild run --help\'.\n' });
    expect(tsbuild(root, ['run', '--rm', '-m', 'lots', 'bb:1', 'true'])).toMatchObject({
      code: 125,
      stderr: `tsbuild: invalid argument "lots" for "-m, --memory" flag: invalid size: 'lots'\nSee 'tsbuild run --help'.\n`,
    });
    expect(inside(['-m', '0'], 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes').stdout).not.toBe('0\n');
    expect(leftovers(root)).toEqual([]);
  });

  it('--add-host and --hostname end up in /etc/hosts and /etc/hostname', () => {
    const hosts = inside(['--add-host', 'foo:10.1.2.3', '--add-host', 'six:fd00::1', '--hostname', 'box'], 'cat /etc/hosts; cat /etc/hostname; hostname');
    expect(hosts.code).toBe(0);
    expect(hosts.stdout).toMatch(/^10\.1\.2\.3\tfoo$/m);
    expect(hosts.stdout).toMatch(/^fd00::1\tsix$/m);
    expect(hosts.stdout).toMatch(/^\d+\.\d+\.\d+\.\d+\tbox$/m);
    expect(hosts.stdout).toMatch(/\nbox\nbox\n$/);
    expect(tsbuild(root, ['run', '--rm', '--add-host', 'nocolon', 'bb:1', 'true'])).toMatchObject({
      code: 125,
      stderr: 'tsbuild: invalid argument "nocolon" for "--add-host" flag: bad format for add-host: "nocolon"\nSee \'tsbuild run --help\'.\n',
    });
  });

  // As `docker run --rm busybox` (20.10.24): the container may edit its own /etc/hosts (not under --read-only),
  // and on the host's network it carries the host's name.
  it('lets the container edit its /etc files and names it after the host under --network host', () => {
    expect(inside([], 'echo 1.1.1.1 x >> /etc/hosts; echo $?; tail -1 /etc/hosts').stdout).toBe('0\n1.1.1.1 x\n');
    expect(inside(['--read-only'], 'echo 1.1.1.1 x >> /etc/hosts 2>/dev/null; echo $?').stdout).toBe('1\n');
    expect(inside(['--network', 'host'], 'hostname; cat /etc/hostname; echo $HOSTNAME').stdout).toBe(`${hostname()}\n`.repeat(3));
    expect(leftovers(root)).toEqual([]);
  });

  // What `docker run --rm busybox …` (20.10.24) printed for the same flags.
  it('--dns, --dns-search, --dns-option rebuild /etc/resolv.conf; refused with --network host', () => {
    const resolv = inside(['--dns', '9.9.9.9', '--dns', '1.1.1.1', '--dns-search', 'example.org', '--dns-option', 'ndots:2'], 'cat /etc/resolv.conf');
    expect(resolv.stdout).toBe('nameserver 9.9.9.9\nnameserver 1.1.1.1\nsearch example.org\noptions ndots:2\n');
    expect(tsbuild(root, ['run', '--rm', '--network', 'host', '--dns', '9.9.9.9', 'bb:1', 'true'])).toMatchObject({ code: 125 });
  });

  it('--shm-size sizes /dev/shm, --ipc host shares the host’s, --ipc none has none', () => {
    expect(inside(['--shm-size', '1m'], 'df -k /dev/shm | tail -1').stdout).toMatch(/^shm\s+1024\s/);
    const ipcNs = (flags: string[]): string => inside(flags, 'readlink /proc/self/ns/ipc').stdout.trim();
    expect(ipcNs(['--ipc', 'host'])).toBe(readlinkSync('/proc/self/ns/ipc'));
    expect(ipcNs(['--ipc', 'private'])).not.toBe(readlinkSync('/proc/self/ns/ipc'));
    expect(inside(['--ipc', 'none'], 'test -e /dev/shm; echo $?').stdout).toBe('1\n');
    expect(tsbuild(root, ['run', '--rm', '--ipc', 'bogus', 'bb:1', 'true'])).toMatchObject({ code: 125, stderr: "tsbuild: invalid IPC mode: bogus\nSee 'tsbuild run --help'.\n" });
  });

  it('--group-add adds groups by number or name from the image, after the user’s own', () => {
    expect(inside(['--group-add', '10', '--group-add', '4242', '--user', 'nobody'], 'id -G').stdout).toBe('65534 10 4242\n');
    expect(tsbuild(root, ['run', '--rm', '--group-add', 'audio', 'bb:1', 'true'])).toMatchObject({
      code: 125,
      stderr: 'tsbuild: Unable to find group audio: no matching entries in group file\n',
    });
  });

  it('keeps --label on the container for ps --filter and {{.Labels}}; refuses an unknown filter', () => {
    tsbuildOk(root, ['run', '--name', 'labelled', '-l', 'tier=web', '--label', 'team', 'bb:1', 'true']);
    expect(tsbuild(root, ['run', '--name', 'failed', 'bb:1', 'false']).code).toBe(1);
    const names = (filters: string[]): string => tsbuildOk(root, ['ps', '-a', '--format', '{{.Names}}', ...filters.flatMap((f) => ['--filter', f])]);
    expect(names(['label=tier=web'])).toBe('labelled\n');
    expect(names(['label=team', 'name=^lab'])).toBe('labelled\n');
    expect(names(['label=tier=db'])).toBe('');
    expect(names(['exited=1'])).toBe('failed\n');
    expect(tsbuildOk(root, ['ps', '--filter', 'status=exited', '--format', '{{.Names}} {{.Labels}}'])).toBe('failed \nlabelled team=,tier=web\n');
    expect(tsbuild(root, ['ps', '--filter', 'colour=red'])).toMatchObject({ code: 1, stderr: expect.stringContaining("invalid filter 'colour'") });
    tsbuildOk(root, ['rm', 'labelled', 'failed']);
    expect(tsbuild(root, ['run', '--rm', '--stop-signal', 'SIGNOPE', 'bb:1', 'true'])).toMatchObject({ code: 125, stderr: expect.stringContaining('invalid signal: SIGNOPE') });
  });

  it('--init runs an init as PID 1 that reaps orphaned zombies', () => {
    // An orphan is re-parented to PID 1; `exec sleep` as PID 1 never waits for it, an init does.
    // (Margins of most of a second on each side keep this stable on a loaded machine.)
    const script = '(sleep 0.1 &); (sleep 0.8; ps -o stat,comm) & exec sleep 2';
    const withInit = inside(['--init'], `cat /proc/1/cmdline | tr '\\0' ' '; echo; ${script}`);
    expect(withInit.code).toBe(0);
    expect(withInit.stdout).toMatch(/^\/sbin\/docker-init -- sh -c /);
    expect(withInit.stdout).not.toMatch(/^Z/m);
    const withoutInit = inside([], script);
    expect(withoutInit.stdout).toMatch(/^S\s+sleep$/m);
    expect(withoutInit.stdout).toMatch(/^Z\s+sleep$/m);
  });

  it('leaves no container, runc state or mount behind after all of the above', () => {
    expect(leftovers(root)).toEqual([]);
  });
});
