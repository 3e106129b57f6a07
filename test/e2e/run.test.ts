// `tsbuild run`, `ps -a` and `rm` through the real CLI with the busybox base: Docker's command, environment,
// user and exit-status rules, stdin, tty, mounts, isolation flags and signal relay.
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeIf, sandboxMissing } from '../helpers/capabilities.js';
import { cliPath, repoRoot } from '../helpers/paths.js';
import { busyboxTar, exited, leftovers, makeStateRoot, runtimeMissing, tsbuild, tsbuildOk, tsbuildSpawn } from './run-helpers.js';

const missing = [...sandboxMissing(), ...(await runtimeMissing())];
let state: Awaited<ReturnType<typeof makeStateRoot>>;
let root: string;

beforeAll(async () => {
  state = await makeStateRoot('run');
  root = state.root;
  if (missing.length > 0) return;
  tsbuildOk(root, ['import', busyboxTar, 'bb:1']);
  tsbuildOk(root, [
    'import',
    ...['-c', 'ENV A=from-image B=image', '-c', 'WORKDIR /srv/app', '-c', 'USER app'],
    ...['-c', 'ENTRYPOINT ["/bin/sh", "-c"]', '-c', 'CMD ["echo A=$A B=$B pwd=$(pwd) id=$(id -u):$(id -g)"]'],
    busyboxTar,
    'configured:1',
  ]);
});
afterAll(() => state.cleanup());

describeIf('tsbuild run (CLI, real runc)', missing, () => {
  it('echoes, keeping stdout and stderr apart', () => {
    const result = tsbuild(root, ['run', '--rm', 'bb:1', 'sh', '-c', 'echo out; echo err >&2']);
    expect(result).toMatchObject({ code: 0, stdout: 'out\n', stderr: 'err\n' });
  });

  it("exits with the container's status", () => {
    for (const status of [0, 1, 3]) expect(tsbuild(root, ['run', '--rm', 'bb:1', 'sh', '-c', `exit ${status}`]).code).toBe(status);
    // PID 1 ignores signals it has no handler for, even SIGKILL from inside; under --init the shell is not PID 1.
    expect(tsbuild(root, ['run', '--rm', '--init', 'bb:1', 'sh', '-c', 'kill -9 $$']).code).toBe(137);
  });

  it('exits 125 with one line when tsbuild itself fails', () => {
    expect(tsbuild(root, ['run', '--rm', 'nosuch:1', 'true'])).toMatchObject({ code: 125, stderr: "tsbuild: Unable to find image 'nosuch:1' locally\n" });
    expect(tsbuild(root, ['run', '--rm', '-u', 'nobody2', 'bb:1', 'true'])).toMatchObject({
      code: 125,
      stderr: 'tsbuild: unable to find user nobody2: no matching entries in passwd file\n',
    });
    expect(tsbuild(root, ['run', '--rm', '-v', '/nonexistent-host-dir:/x', 'bb:1', 'true'])).toMatchObject({
      code: 125,
      stderr: 'tsbuild: invalid mount config for type "bind": bind source path does not exist: /nonexistent-host-dir\nSee \'tsbuild run --help\'.\n',
    });
    // Docker 20.10.24 (CLI, then daemon): "unknown flag: --bogus" + "See 'docker run --help'.", "network nosuch not found".
    expect(tsbuild(root, ['run', '--bogus', 'bb:1'])).toMatchObject({ code: 125, stderr: "unknown flag: --bogus\nSee 'tsbuild run --help'.\n" });
    expect(tsbuild(root, ['run', '-Z', 'bb:1'])).toMatchObject({ code: 125, stderr: "unknown shorthand flag: 'Z' in -Z\nSee 'tsbuild run --help'.\n" });
    expect(tsbuild(root, ['run', '--rm', '--network', 'nosuch', 'bb:1', 'true'])).toMatchObject({ code: 125, stderr: 'tsbuild: network nosuch not found\n' });
    // Docker prints the pointer to the help after an error of the container's creation, not of its start.
    expect(tsbuild(root, ['run', '--rm', 'bb:1'])).toMatchObject({ code: 125, stderr: "tsbuild: No command specified\nSee 'tsbuild run --help'.\n" });
    expect(tsbuild(root, ['container', 'run', '--rm', '-w', 'rel', 'bb:1', 'true'])).toMatchObject({
      code: 125,
      stderr: "tsbuild: the working directory 'rel' is invalid, it needs to be an absolute path\nSee 'tsbuild container run --help'.\n",
    });
    expect(leftovers(root)).toEqual([]);
  });

  it('exits 126 when the command cannot be executed and 127 when it is not found', () => {
    const notExecutable = tsbuild(root, ['run', '--rm', 'bb:1', '/etc/passwd']);
    expect(notExecutable.code).toBe(126);
    expect(notExecutable.stderr).toMatch(/permission denied/);
    const notFound = tsbuild(root, ['run', '--rm', 'bb:1', 'nosuch']);
    expect(notFound.code).toBe(127);
    expect(notFound.stderr).toMatch(/executable file not found in \$PATH/);
    expect(leftovers(root)).toEqual([]);
  });

  it('passes stdin with -i', () => {
    expect(tsbuild(root, ['run', '--rm', '-i', 'bb:1', 'sh', '-c', 'cat; echo end'], 'line one\nline two\n').stdout).toBe('line one\nline two\nend\n');
    expect(tsbuild(root, ['run', '--rm', 'bb:1', 'sh', '-c', 'cat; echo end'], 'ignored\n').stdout).toBe('end\n');
    expect(tsbuild(root, ['run', '--rm', '-it', 'bb:1', 'cat'], 'x\n')).toMatchObject({ code: 1, stderr: 'the input device is not a TTY\n' });
  });

  it('allocates a terminal with -t', () => {
    const result = spawnSync('script', ['-qec', `${process.execPath} ${cliPath} --root ${root} run --rm -t bb:1 tty`, '/dev/null'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(result.status).toBe(0);
    // Through the executor's script(1) the line ends "\r\r\n" (two ptys, each adding a CR): see the gap below.
    expect(result.stdout).toMatch(/\/dev\/pts\/\d+\r+\n$/);
    // Without a terminal of ours (stdout a pipe), as `docker run --rm -t busybox env | od -c` (20.10.24) shows:
    // one pty's CRs, PATH, HOSTNAME, TERM, HOME in that order, and nothing before the first line.
    const piped = tsbuild(root, ['run', '--rm', '-t', '--hostname', 'box', 'bb:1', 'env']);
    expect(piped.stdout).toBe('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\r\nHOSTNAME=box\r\nTERM=xterm\r\nHOME=/root\r\n');
  });

  it('gives the container the caller’s window size and follows resizes', () => {
    // runc sizes the pty just after the process starts (as Docker does), so the script waits a moment first.
    const inner = `stty cols 91 rows 37; ${process.execPath} ${cliPath} --root ${root} run --rm -t bb:1 sh -c 'sleep 0.3; stty size'`;
    const result = spawnSync('script', ['-qec', inner, '/dev/null'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(result.stdout).toMatch(/^37 91\r\n$/);
    const container = 'sleep 0.3; stty size; trap "stty size; exit 5" WINCH; echo ready; while true; do sleep 0.1; done';
    const resize = spawnSync('python3', [join(repoRoot, 'test', 'e2e', 'run-tty-resize.py'), process.execPath, cliPath, '--root', root, 'run', '--rm', '-it', 'bb:1', 'sh', '-c', container], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(resize.stdout).toBe('20 60\r\nready\r\n30 100\r\n');
    expect(resize.status).toBe(5);
  });

  it('applies the image Entrypoint, Cmd, Env, WorkingDir and User', () => {
    expect(tsbuildOk(root, ['run', '--rm', 'configured:1'])).toBe('A=from-image B=image pwd=/srv/app id=1000:1000\n');
  });

  it('overrides them with -e, --env-file, -w, -u and --entrypoint', async () => {
    const envFile = join(state.dir, 'env');
    await writeFile(envFile, '# comment\nB=file\nC=file\n');
    const out = tsbuildOk(root, ['run', '--rm', '--env-file', envFile, '-e', 'C=flag', '-w', '/tmp', '-u', '1000:1000', 'configured:1', 'echo $A $B $C $(pwd) $(id -u):$(id -g)']);
    expect(out).toBe('from-image file flag /tmp 1000:1000\n');
    // Docker 20.10.24's output for the same busybox base: the primary group is among the supplementary ones.
    expect(tsbuildOk(root, ['run', '--rm', '-u', 'app', 'bb:1', 'id'])).toBe('uid=1000(app) gid=1000(app) groups=10(wheel),50(staff),1000(app)\n');
    expect(tsbuildOk(root, ['run', '--rm', '-u', '1000:1000', 'bb:1', 'id'])).toBe('uid=1000(app) gid=1000(app) groups=1000(app)\n');
    expect(tsbuildOk(root, ['run', '--rm', '-u', '4242', 'bb:1', 'id'])).toBe('uid=4242 gid=0(root) groups=0(root)\n');
    expect(tsbuildOk(root, ['run', '--rm', '--entrypoint', 'echo', 'configured:1', 'x', 'y'])).toBe('x y\n');
    expect(tsbuildOk(root, ['run', '--rm', '--entrypoint', '', 'configured:1', 'pwd'])).toBe('/srv/app\n');
  });

  it('uses the first 12 hex digits of the ID as hostname unless --hostname', () => {
    expect(tsbuildOk(root, ['run', '--rm', 'bb:1', 'hostname'])).toMatch(/^[a-f0-9]{12}\n$/);
    expect(tsbuildOk(root, ['run', '--rm', '--hostname', 'box', 'bb:1', 'hostname'])).toBe('box\n');
  });

  it('binds host directories, enforcing :ro', async () => {
    const host = join(state.dir, 'shared');
    await mkdir(host);
    await writeFile(join(host, 'in.txt'), 'from host\n');
    expect(tsbuildOk(root, ['run', '--rm', '-v', `${host}:/data`, 'bb:1', 'sh', '-c', 'cat /data/in.txt; echo back > /data/out.txt'])).toBe('from host\n');
    expect(await readFile(join(host, 'out.txt'), 'utf8')).toBe('back\n');
    const ro = tsbuild(root, ['run', '--rm', '-v', `${host}:/data:ro`, 'bb:1', 'sh', '-c', 'echo no > /data/x']);
    expect(ro.code).not.toBe(0);
    expect(ro.stderr).toMatch(/Read-only file system/);
  });

  it('isolates: --network none has only lo, --read-only refuses writes', () => {
    expect(tsbuildOk(root, ['run', '--rm', '--network', 'none', 'bb:1', 'ls', '/sys/class/net'])).toBe('lo\n');
    const readOnly = tsbuild(root, ['run', '--rm', '--read-only', 'bb:1', 'touch', '/x']);
    expect(readOnly.code).toBe(1);
    expect(readOnly.stderr).toMatch(/Read-only file system/);
    expect(tsbuildOk(root, ['run', '--rm', '--read-only', '--tmpfs', '/scratch', 'bb:1', 'sh', '-c', 'touch /scratch/x && echo ok'])).toBe('ok\n');
  });

  it('stops a fork bomb with --pids-limit', () => {
    const result = tsbuild(root, ['run', '--rm', '--pids-limit', '20', 'bb:1', 'sh', '-c', 'for i in $(seq 60); do sleep 2 & done; wait']);
    expect(result.stderr).toMatch(/can't fork|Resource temporarily unavailable/);
  });

  it('relays SIGTERM to the main process (--init makes sleep killable: 143)', async () => {
    const child = tsbuildSpawn(root, ['run', '--rm', '--init', 'bb:1', 'sh', '-c', 'echo ready; exec sleep 30']);
    let ready = '';
    child.stdout?.on('data', (chunk: Buffer) => (ready += chunk.toString()));
    while (!ready.includes('ready')) await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGTERM');
    expect(await exited(child)).toEqual({ code: 143, signal: null });
    const trapper = tsbuildSpawn(root, ['run', '--rm', 'bb:1', 'sh', '-c', 'trap "echo got USR1; exit 7" USR1; echo ready; while true; do sleep 0.1; done']);
    let out = '';
    trapper.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    while (!out.includes('ready')) await new Promise((resolve) => setTimeout(resolve, 50));
    trapper.kill('SIGUSR1');
    expect(await exited(trapper)).toEqual({ code: 7, signal: null });
    expect(out).toBe('ready\ngot USR1\n');
    expect(leftovers(root)).toEqual([]);
  });

  it('shows a running container as Up and removes it only with rm -f', async () => {
    const child = tsbuildSpawn(root, ['run', '--name', 'sleeper', 'bb:1', 'sleep', '30']);
    let listed = '';
    for (let i = 0; i < 100 && !listed.includes('sleeper'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      listed = tsbuildOk(root, ['ps']);
    }
    expect(listed).toMatch(/\n[a-f0-9]{12} +bb:1 +"sleep 30" +.* ago +Up (Less than a second|\d+ seconds?) +sleeper\n$/);
    expect(tsbuild(root, ['rm', 'sleeper'])).toMatchObject({
      code: 1,
      stderr: 'ERROR: cannot remove container "/sleeper": container is running: stop the container before removing or force remove\n',
    });
    expect(tsbuildOk(root, ['rm', '-f', 'sleeper'])).toBe('sleeper\n');
    expect(await exited(child)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(tsbuildOk(root, ['ps', '-aq'])).toBe('');
    expect(leftovers(root)).toEqual([]);
  });

  it('keeps exited containers for ps -a until rm; names are unique', () => {
    const id = tsbuild(root, ['run', '--name', 'kept', 'bb:1', 'sh', '-c', 'exit 3']);
    expect(id.code).toBe(3);
    const ps = tsbuildOk(root, ['ps', '-a']);
    expect(ps).toMatch(/^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES\n/);
    expect(ps).toMatch(/\n[a-f0-9]{12} +bb:1 +"sh -c 'exit 3'" +(Less than a second|\d+ seconds?) ago +Exited \(3\) (Less than a second|\d+ seconds?) ago +kept\n/);
    expect(tsbuildOk(root, ['ps'])).toMatch(/^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES\n$/);
    // What `docker ps -a --format '{{.Names}} {{.Status}}'` printed for the same container (dockerd 20.10).
    expect(tsbuildOk(root, ['ps', '-a', '--format', '{{.Names}} {{.Status}}'])).toMatch(/^kept Exited \(3\) (Less than a second|\d+ seconds?) ago\n$/);
    expect(tsbuild(root, ['run', '--name', 'kept', 'bb:1', 'true'])).toMatchObject({ code: 125 });
    expect(tsbuildOk(root, ['ps', '-aq'])).toMatch(/^[a-f0-9]{12}\n$/);
    expect(tsbuild(root, ['rmi', 'bb:1']).stderr).toMatch(/^ERROR: conflict: unable to remove repository reference "bb:1" \(must force\) - container [a-f0-9]{12} is using its referenced image [a-f0-9]{12}\n$/);
    expect(tsbuildOk(root, ['rm', 'kept'])).toBe('kept\n');
    expect(tsbuild(root, ['rm', 'kept'])).toMatchObject({ code: 1, stderr: 'ERROR: No such container: kept\n' });
    expect(leftovers(root)).toEqual([]);
  });
});
