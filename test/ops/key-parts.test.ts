import { describe, expect, it } from 'vitest';
import { copyKeyParts, mkdirKeyParts, runKeyParts } from '../../src/ops/key-parts.js';
import type { RunSpec } from '../../src/ops/run.js';

const run = (extra: Partial<RunSpec> = {}): RunSpec => ({
  args: ['/bin/sh', '-c', 'make'],
  env: ['PATH=/bin', 'VERSION=1', 'http_proxy=http://proxy:3128', 'NO_PROXY=local'],
  cwd: '/src',
  user: '',
  mounts: [],
  network: 'host',
  insecure: false,
  hostname: 'buildkitsandbox',
  extraHosts: [{ host: 'db', ip: '10.0.0.5' }],
  ...extra,
});

describe('runKeyParts', () => {
  it('names each part, marks build args and leaves proxy variables and host IPs out', () => {
    expect(runKeyParts(run(), new Set(['VERSION']))).toEqual([
      'op run v1',
      'command ["/bin/sh","-c","make"]',
      'env PATH=/bin',
      'arg VERSION=1',
      'workdir /src',
      'user root',
      'network host',
      'host db',
    ]);
  });

  it('never contains a secret value, an SSH socket path or a cache id', () => {
    const parts = runKeyParts(
      run({
        mounts: [
          { type: 'secret', target: undefined, id: 'token', value: Buffer.from('s3cr3t'), env: undefined, uid: 0, gid: 0, mode: 0o400 },
          { type: 'ssh', target: '/run/buildkit/ssh_agent.0', socket: '/tmp/agent.sock', uid: 0, gid: 0, mode: 0o600 },
          { type: 'cache', target: '/root/.cache', id: 'my-private-id', sharing: 'locked', uid: 0, gid: 0, mode: 0o755, readonly: false, source: '/', from: undefined },
        ],
      }),
      new Set(),
    ).join('\n');
    expect(parts).not.toContain('s3cr3t');
    expect(parts).not.toContain('/tmp/agent.sock');
    expect(parts).not.toContain('my-private-id');
    expect(parts).toContain('mount secret token /run/secrets/token');
    expect(parts).toContain('mount cache /root/.cache uid=0 gid=0 mode=755');
  });

  it('changes when anything that changes the result changes', () => {
    const base = runKeyParts(run(), new Set());
    expect(runKeyParts(run({ args: ['/bin/sh', '-c', 'make all'] }), new Set())).not.toEqual(base);
    expect(runKeyParts(run({ user: 'app' }), new Set())).not.toEqual(base);
    expect(runKeyParts(run({ network: 'none' }), new Set())).not.toEqual(base);
    expect(runKeyParts(run({ env: ['PATH=/bin', 'VERSION=2', 'http_proxy=http://other'] }), new Set())).not.toEqual(base);
    expect(runKeyParts(run({ env: ['PATH=/bin', 'VERSION=1', 'http_proxy=http://other'] }), new Set())).toEqual(base);
  });

  it('keys a proxy variable the Dockerfile declares with ARG, as a build arg', () => {
    const declared = new Set(['http_proxy']);
    const parts = runKeyParts(run(), declared);
    expect(parts).toContain('arg http_proxy=http://proxy:3128');
    expect(parts).not.toContain('env NO_PROXY=local');
    expect(runKeyParts(run({ env: ['PATH=/bin', 'VERSION=1', 'http_proxy=http://other'] }), declared)).not.toEqual(parts);
  });
});

describe('copyKeyParts and mkdirKeyParts', () => {
  it('lists the copy options that shape the result', () => {
    expect(
      copyKeyParts(
        { from: { kind: 'context', dir: '/host/ctx', ignore: undefined }, sources: ['src/'], heredocs: [], destination: '/app/', chown: 'app', chmod: '0755', exclude: ['*.log'], parents: false, link: false, unpack: true, unpackRemote: false, checksum: undefined, keepGitDir: false },
        'ADD',
      ),
    ).toEqual(['op add v1', 'from context', 'source src/', 'dest /app/', 'chown app', 'chmod 0755', 'exclude *.log', 'unpack']);
    expect(mkdirKeyParts({ path: '/app', user: 'app' })).toEqual(['op mkdir v1', 'path /app', 'user app']);
  });

  it('never names a host path', () => {
    const parts = copyKeyParts({ from: { kind: 'context', dir: '/host/ctx', ignore: undefined }, sources: ['a'], heredocs: [], destination: '/a', chown: undefined, chmod: undefined, exclude: [], parents: false, link: false, unpack: false, unpackRemote: false, checksum: undefined, keepGitDir: false }, 'COPY');
    expect(parts.join('\n')).not.toContain('/host/ctx');
  });
});
