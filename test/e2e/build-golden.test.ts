// The golden builds (test/e2e/golden/<case>): each context is built with the real CLI and the image's
// config, history, layer count and filesystem are compared with what BuildKit gives for it.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeIf, sandboxMissing } from '../helpers/capabilities.js';
import { cliPath, repoRoot } from '../helpers/paths.js';
import { listRootfs } from './golden/listing.js';

interface Expected {
  buildArgs?: Record<string, string>;
  target?: string;
  secrets?: Record<string, string>;
  contextModes?: Record<string, string>;
  config: Record<string, unknown> | null;
  author?: string;
  history: { created_by: string; comment: string; empty_layer?: boolean }[];
  layers: number;
  scope?: string[];
  rootfs: string[];
}

interface StoredConfig {
  author?: string;
  config?: Record<string, unknown>;
  history?: { created_by?: string; comment?: string; empty_layer?: boolean; created?: string }[];
  rootfs: { diff_ids: string[] };
}

const goldenDir = join(repoRoot, 'test', 'e2e', 'golden');
const cases = readdirSync(goldenDir, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();
let root: string;
let work: string;
let baseLayers = 0;
let baseHistory = 0;

function ok(args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(process.execPath, [cliPath, '--root', root, ...args], { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`tsbuild ${args.join(' ')} exited ${result.status}:\n${result.stderr}`);
  return result.stdout;
}

function imageConfig(imageId: string): StoredConfig {
  return JSON.parse(readFileSync(join(root, 'content', 'blobs', 'sha256', imageId.replace('sha256:', '')), 'utf8')) as StoredConfig;
}

const missing = [...sandboxMissing(), ...(existsSync(cliPath) ? [] : [`the built CLI at ${cliPath} (npm run build)`])];

describeIf('golden builds', missing, () => {
  beforeAll(() => {
    execFileSync('bash', [join(repoRoot, 'scripts', 'make-busybox-rootfs.sh')]);
    work = mkdtempSync(join(tmpdir(), 'tsbuild-golden-'));
    root = join(work, 'root');
    ok(['import', join(repoRoot, '.tsbuild-bases', 'busybox.tar'), 'busybox:latest']);
    const busybox = imageConfig(ok(['image', 'inspect', '--format', '{{.Id}}', 'busybox']).trim());
    baseLayers = busybox.rootfs.diff_ids.length;
    baseHistory = busybox.history?.length ?? 0;
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  for (const name of cases) {
    it(name, async () => {
      const expected = JSON.parse(readFileSync(join(goldenDir, name, 'expected.json'), 'utf8')) as Expected;
      const context = join(work, name);
      cpSync(join(goldenDir, name, 'context'), context, { recursive: true, verbatimSymlinks: true });
      for (const [path, mode] of Object.entries(expected.contextModes ?? {})) chmodSync(join(context, path), Number.parseInt(mode, 8));
      const args = ['build', '-q', '-t', `golden-${name}`];
      for (const [key, value] of Object.entries(expected.buildArgs ?? {})) args.push('--build-arg', `${key}=${value}`);
      if (expected.target) args.push('--target', expected.target);
      const env = { ...process.env };
      for (const [id, value] of Object.entries(expected.secrets ?? {})) {
        env[`GOLDEN_SECRET_${id}`] = value;
        args.push('--secret', `id=${id},env=GOLDEN_SECRET_${id}`);
      }
      const rootfsDir = join(work, `${name}-rootfs`);
      args.push('-o', 'type=image', '-o', `type=local,dest=${rootfsDir}`, context);
      const imageId = ok(args, env).trim();
      const config = imageConfig(imageId);
      const fromBusybox = readFileSync(join(context, 'Dockerfile'), 'utf8').includes('FROM busybox');
      const skipHistory = fromBusybox ? baseHistory : 0;
      if (expected.config !== null) expect(config.config).toEqual(expected.config);
      if (expected.author !== undefined) expect(config.author).toBe(expected.author);
      expect(config.history?.slice(skipHistory).map(({ created: _created, ...entry }) => entry)).toEqual(expected.history);
      expect(config.rootfs.diff_ids.length - (fromBusybox ? baseLayers : 0)).toBe(expected.layers);
      expect(await listRootfs(rootfsDir, expected.scope)).toEqual(expected.rootfs);
    });
  }

  it('names steps as BuildKit does and explains a RUN re-run by the build arg it sees', () => {
    const context = join(work, 'explain-arg');
    mkdirSync(context);
    writeFileSync(join(context, 'Dockerfile'), 'FROM busybox\nARG B=1\nENV C=3\nRUN echo "$B-$C" > /b\n');
    const plain = (buildArg: string): string => {
      const result = spawnSync(process.execPath, [cliPath, '--root', root, 'build', '--progress=plain', '--build-arg', buildArg, context], { encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
      return result.stderr;
    };
    expect(plain('B=1')).toContain('[2/2] RUN echo "$B-$C" > /b');
    expect(plain('B=2')).toMatch(/\[2\/2\] RUN echo "\$B-\$C" > \/b\n#\d+ running: build arg B changed\n/);
  });
});
