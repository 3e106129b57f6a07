// The golden builds (test/e2e/golden/<case>): each context is built with the real CLI and the image's
// config, history, layer count and filesystem are compared with what BuildKit gives for it.
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeIf, sandboxMissing } from '../helpers/capabilities.js';
import { cliPath, repoRoot } from '../helpers/paths.js';
import { listRootfs } from './golden/listing.js';

interface Expected {
  /** Built and tagged first (a case directory beside `context/`), for cases whose FROM names an image built here. */
  baseImage?: { context: string; tag: string };
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
/** Serves `<case>/served/<file>` at `/<case>/<file>` for ADD <url> cases; `{{http}}` in expected.json is `<origin>/<case>`. */
let server: Server;
let httpOrigin = '';

function serveCaseFiles(): Promise<Server> {
  const served = createServer((request, response) => {
    const [, name = '', file = ''] = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname).split('/');
    const path = join(goldenDir, name, 'served', file);
    if (!cases.includes(name) || file === '' || !existsSync(path)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'Last-Modified': 'Wed, 01 Jan 2020 00:00:00 GMT' }).end(readFileSync(path));
  });
  return new Promise((resolve) => served.listen(0, '127.0.0.1', () => resolve(served)));
}

/**
 * Runs the CLI without blocking the event loop: the ADD <url> cases download from a server in this process.
 * Resolves with stdout and stderr; rejects with the stderr of a failed command.
 */
function tsbuild(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cliPath, '--root', root, ...args], { encoding: 'utf8', env, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`tsbuild ${args.join(' ')} exited ${String(error.code)}:\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

async function ok(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return (await tsbuild(args, env)).stdout;
}

function imageConfig(imageId: string): StoredConfig {
  return JSON.parse(readFileSync(join(root, 'content', 'blobs', 'sha256', imageId.replace('sha256:', '')), 'utf8')) as StoredConfig;
}

const missing = [...sandboxMissing(), ...(existsSync(cliPath) ? [] : [`the built CLI at ${cliPath} (npm run build)`])];

describeIf('golden builds', missing, () => {
  beforeAll(async () => {
    server = await serveCaseFiles();
    httpOrigin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    execFileSync('bash', [join(repoRoot, 'scripts', 'make-busybox-rootfs.sh')]);
    work = mkdtempSync(join(tmpdir(), 'tsbuild-golden-'));
    root = join(work, 'root');
    await ok(['import', join(repoRoot, '.tsbuild-bases', 'busybox.tar'), 'busybox:latest']);
    const busybox = imageConfig((await ok(['image', 'inspect', '--format', '{{.Id}}', 'busybox'])).trim());
    baseLayers = busybox.rootfs.diff_ids.length;
    baseHistory = busybox.history?.length ?? 0;
  });

  afterAll(() => {
    server.close();
    rmSync(work, { recursive: true, force: true });
  });

  for (const name of cases) {
    it(name, async () => {
      const expectedText = readFileSync(join(goldenDir, name, 'expected.json'), 'utf8').replaceAll('{{http}}', `${httpOrigin}/${name}`);
      const expected = JSON.parse(expectedText) as Expected;
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
      if (expected.baseImage) {
        await ok(['build', '-q', '-t', expected.baseImage.tag, join(goldenDir, name, expected.baseImage.context)]);
      }
      const rootfsDir = join(work, `${name}-rootfs`);
      args.push('-o', 'type=image', '-o', `type=local,dest=${rootfsDir}`, context);
      const imageId = (await ok(args, env)).trim();
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

  it('names steps as BuildKit does and explains a RUN re-run by the build arg it sees', async () => {
    const context = join(work, 'explain-arg');
    mkdirSync(context);
    writeFileSync(join(context, 'Dockerfile'), 'FROM busybox\nARG B=1\nENV C=3\nRUN echo "$B-$C" > /b\n');
    const plain = async (buildArg: string): Promise<string> => (await tsbuild(['build', '--progress=plain', '--build-arg', buildArg, context])).stderr;
    // BuildKit expands the stage's ENV and ARG values into a RUN's name, quotes kept as written.
    expect(await plain('B=1')).toMatch(/#\d+ \[2\/2\] RUN echo "1-3" > \/b\n/);
    expect(await plain('B=2')).toMatch(/#\d+ \[2\/2\] RUN echo "2-3" > \/b\n#\d+ running: build arg B changed\n/);
  });
});
