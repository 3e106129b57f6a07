import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { defineBuildCommand, parseBuildOptions, type BuildCommandOptions } from '../../src/cli/commands/build.js';
import { formatReference } from '../../src/image/reference.js';

async function parse(argv: string[]): Promise<BuildCommandOptions> {
  let seen: BuildCommandOptions | undefined;
  const program = new Command('tsbuild').exitOverride().option('--root <dir>');
  defineBuildCommand(program).action((context: string, raw: Record<string, unknown>) => {
    seen = parseBuildOptions(context, raw);
  });
  program.command('images').action(() => undefined);
  await program.parseAsync(argv, { from: 'user' });
  if (!seen) throw new Error('build action not called');
  return seen;
}

describe('build command options', () => {
  it('makes build the default command', async () => {
    const options = await parse(['-t', 'app', '.']);
    expect(options.context).toBe('.');
    expect(options.tags).toEqual(['app']);
  });

  it('parses Docker flags into typed options', async () => {
    const options = await parse([
      'build', '-t', 'a:1', '-t', 'b', '-f', 'Dockerfile.dev', '--build-arg', 'V=1', '--build-arg', 'HOME_VAR',
      '--target', 'final', '--no-cache', '--no-cache-filter', 'deps', '--progress', 'plain', '--iidfile', 'id.txt',
      '--label', 'a=b=c', '--secret', 'id=tok,src=/tmp/t', '--secret', 'id=pw,env=PW', '--ssh', 'default',
      '--network', 'none', '--add-host', 'db:10.0.0.5', '-o', 'type=oci,dest=out.tar', '--explain', '--allow', 'security.insecure', 'ctx',
    ]);
    expect(options.tags).toEqual(['a:1', 'b']);
    expect(options.file).toBe('Dockerfile.dev');
    expect(options.buildArgs.get('V')).toBe('1');
    expect(options.target).toBe('final');
    expect(options.noCache).toBe(true);
    expect(options.noCacheFilter).toEqual(['deps']);
    expect(options.progress).toBe('plain');
    expect(options.iidfile).toBe('id.txt');
    expect(options.labels.get('a')).toBe('b=c');
    expect(options.secrets).toEqual([
      { id: 'tok', file: '/tmp/t', env: undefined },
      { id: 'pw', file: undefined, env: 'PW' },
    ]);
    expect(options.ssh).toEqual([{ id: 'default', paths: [] }]);
    expect(options.network).toBe('none');
    expect(options.addHosts).toEqual([{ host: 'db', ip: '10.0.0.5' }]);
    expect(options.outputs).toEqual([{ type: 'oci', dest: 'out.tar', attrs: {} }]);
    expect(options.explain).toBe(true);
    expect(options.allow).toEqual(['security.insecure']);
    expect(options.context).toBe('ctx');
  });

  it('takes buildx cache flags (ignored later, with a warning) and refuses named build contexts', async () => {
    const options = await parse(['--cache-from', 'type=registry,ref=r/app:cache', '--cache-to', 'type=inline', '.']);
    expect(options.cacheImports).toEqual(['type=registry,ref=r/app:cache']);
    expect(options.cacheExports).toEqual(['type=inline']);
    await expect(parse(['--build-context', 'src=../src', '.'])).rejects.toThrow('--build-context: named build contexts are not supported by tsbuild yet');
  });

  it('takes --call check as --check, and refuses the methods it lacks', async () => {
    expect((await parse(['--call', 'check', '.'])).check).toBe(true);
    expect((await parse(['--call=build', '.'])).check).toBe(false);
    await expect(parse(['--call', 'outline', '.'])).rejects.toThrow('--call outline: only build and check are supported');
  });

  it('uses the cache unless told otherwise', async () => {
    const options = await parse(['.']);
    expect(options.noCache).toBe(false);
    expect(options.noCacheFilter).toEqual([]);
    expect(options.progress).toBe('auto');
  });

  it('takes a bare --build-arg from the environment, and drops it when unset', () => {
    const options = parseBuildOptions('.', { buildArg: ['FROM_ENV', 'UNSET'] }, { FROM_ENV: 'yes' });
    expect([...options.buildArgs]).toEqual([['FROM_ENV', 'yes']]);
  });

  it('names the flag of a malformed value', () => {
    expect(() => parseBuildOptions('.', { progress: 'fancy' })).toThrow('invalid --progress "fancy"');
    expect(() => parseBuildOptions('.', { label: ['novalue'] })).toThrow('invalid --label "novalue": expected KEY=VALUE');
    expect(() => parseBuildOptions('.', { output: ['type=zip,dest=x'] })).toThrow('invalid --output type "zip"');
    expect(() => parseBuildOptions('.', { secret: ['src=/x'] })).toThrow('invalid --secret "src=/x": id is required');
    expect(() => parseBuildOptions('.', { output: ['type=docker,dest=x.tar,name=Not A Name'] })).toThrow('invalid reference format');
  });

  it('reads --output fields as CSV: a quoted name= lists several image names', () => {
    const [output] = parseBuildOptions('.', { output: ['type=docker,dest=x.tar,"name=app:1,reg.example/app:2"'] }).outputs;
    expect(output?.names?.map(formatReference)).toEqual(['docker.io/library/app:1', 'reg.example/app:2']);
    expect(output?.attrs).toEqual({});
  });
});
