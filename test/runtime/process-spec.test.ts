// Docker's rules for the process a container runs: command line, environment, working directory, user.
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import type { ContainerConfig } from '../../src/image/oci.js';
import { mergeEnv, parseEnvFile, resolveArgs, resolveProcess, type ProcessRequest } from '../../src/runtime/process-spec.js';
import { noFlagsProcess } from './requests.js';

const request = (overrides: Partial<ProcessRequest> = {}): ProcessRequest => ({ ...noFlagsProcess, ...overrides });

describe('resolveArgs (Entrypoint + Cmd)', () => {
  const image: ContainerConfig = { Entrypoint: ['/entry', '-x'], Cmd: ['default', 'arg'] };
  const cases: [string, ContainerConfig, Partial<ProcessRequest>, string[]][] = [
    ['entrypoint then cmd', image, {}, ['/entry', '-x', 'default', 'arg']],
    ['args after IMAGE replace Cmd only', image, { command: ['a', 'b'] }, ['/entry', '-x', 'a', 'b']],
    ['--entrypoint replaces Entrypoint and drops Cmd', image, { entrypoint: '/bin/sh' }, ['/bin/sh']],
    ['--entrypoint with args', image, { entrypoint: '/bin/sh', command: ['-c', 'true'] }, ['/bin/sh', '-c', 'true']],
    ["--entrypoint '' clears it", image, { entrypoint: '', command: ['echo', 'hi'] }, ['echo', 'hi']],
    ['Cmd alone', { Cmd: ['sh'] }, {}, ['sh']],
    ['null Entrypoint', { Entrypoint: null, Cmd: ['sh'] }, { command: ['ls'] }, ['ls']],
  ];
  for (const [name, config, overrides, expected] of cases) {
    it(name, () => expect(resolveArgs(config, request(overrides))).toEqual(expected));
  }

  it('refuses to run nothing', () => {
    expect(() => resolveArgs({}, request())).toThrow(new UserError('No command specified'));
    expect(() => resolveArgs({ Cmd: ['sh'] }, request({ entrypoint: '' }))).toThrow('No command specified');
  });
});

describe('environment', () => {
  it('parses env files like Docker: comments, blanks, leading blanks, verbatim values, K from the caller', () => {
    const text = '# comment\n\n  A=1\nB="quoted stays"\nHOME_FROM_CALLER\nUNSET_ONE\nC=x=y\r\n';
    expect(parseEnvFile(text, { HOME_FROM_CALLER: '/h' })).toEqual(['A=1', 'B="quoted stays"', 'HOME_FROM_CALLER=/h', 'C=x=y']);
  });

  it('refuses a key with blanks', () => {
    // Docker 20.10.24's words for a bad line; -e takes any non-empty name ("A B=1" reaches the container).
    expect(() => parseEnvFile('BAD KEY=1', {})).toThrow("poorly formatted environment: variable 'BAD KEY' contains whitespaces");
    expect(() => parseEnvFile('L =w', {})).toThrow("poorly formatted environment: variable 'L ' contains whitespaces");
    expect(() => parseEnvFile('=x', {})).toThrow("poorly formatted environment: no variable name on line '=x'");
    expect(resolveProcess({ Cmd: ['env'] }, request({ env: ['A B=1', 'C D'] }), 'box').env.slice(2)).toEqual(['A B=1']);
    expect(() => resolveProcess({ Cmd: ['env'] }, request({ env: ['=x'] }), 'box')).toThrow('invalid argument "=x" for "-e, --env" flag: invalid environment variable: =x');
  });

  it('replaces keys in place and appends new ones', () => {
    expect(mergeEnv(['PATH=/bin', 'A=1', 'B=2'], ['A=one', 'C=3'])).toEqual(['PATH=/bin', 'A=one', 'B=2', 'C=3']);
  });

  it('layers image Env, then --env-file, then -e (with -e K from the caller, dropped when unset)', () => {
    const spec = resolveProcess(
      { Env: ['PATH=/usr/bin', 'A=image', 'B=image'], Cmd: ['sh'] },
      request({ envFiles: ['B=file\nC=file'], env: ['C=flag', 'FROM_CALLER', 'MISSING'], callerEnv: { FROM_CALLER: 'yes' } }),
      'box',
    );
    expect(spec.env).toEqual(['PATH=/usr/bin', 'HOSTNAME=box', 'A=image', 'B=file', 'C=flag', 'FROM_CALLER=yes']);
  });

  // `docker run -t -e K=V busybox env` (Docker 20.10.24) prints PATH, HOSTNAME, TERM, K, HOME in that order.
  it('starts from the daemon’s PATH, HOSTNAME and (with -t) TERM, as Docker', () => {
    const docker = resolveProcess({ Cmd: ['env'] }, request({ env: ['K=V'], tty: true }), '59217dfc572c');
    expect(docker.env).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOSTNAME=59217dfc572c', 'TERM=xterm', 'K=V']);
    expect(resolveProcess({ Cmd: ['env'] }, request({ env: ['HOSTNAME=mine', 'TERM=vt100'], tty: true }), 'box').env.slice(1)).toEqual(['HOSTNAME=mine', 'TERM=vt100']);
  });
});

describe('resolveProcess', () => {
  it('takes WorkingDir and User from the image unless -w / -u', () => {
    const image: ContainerConfig = { Cmd: ['sh'], WorkingDir: '/app', User: 'app' };
    expect(resolveProcess(image, request(), 'box')).toMatchObject({ cwd: '/app', user: 'app' });
    expect(resolveProcess(image, request({ workdir: '/tmp', user: '1000:1000' }), 'box')).toMatchObject({ cwd: '/tmp', user: '1000:1000' });
    expect(resolveProcess({ Cmd: ['sh'] }, request(), 'box')).toMatchObject({ cwd: '/', user: '' });
  });

  it('refuses a relative working directory', () => {
    expect(() => resolveProcess({ Cmd: ['sh'] }, request({ workdir: 'rel' }), 'box')).toThrow("the working directory 'rel' is invalid, it needs to be an absolute path");
  });

  it('puts the init in front with --init', () => {
    expect(resolveProcess({ Cmd: ['sleep', '1'] }, request({ init: true }), 'box').args).toEqual(['/sbin/docker-init', '--', 'sleep', '1']);
  });
});
