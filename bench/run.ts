// `npm run bench [-- --only suite,suite] [-- --peers]`: runs every bench/*.bench.ts suite, prints one
// table and writes it to bench/results/latest.md. Speed targets are checked here, never in timed tests.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startDockerPeer, type DockerPeer } from './peers/docker.js';
import { renderTable, type BenchRow } from './table.js';

export interface BenchOptions {
  /** Also run peer tools that must be installed first (docker.io's BuildKit). */
  peers: boolean;
  /** With --peers: a private Docker daemon, when it could be installed and started. */
  docker?: DockerPeer | undefined;
}

type Suite = (options: BenchOptions) => Promise<BenchRow[]>;

const benchDir = dirname(fileURLToPath(import.meta.url));

function parseArgs(argv: string[]): { only: string[] | undefined; options: BenchOptions } {
  const onlyIndex = argv.indexOf('--only');
  const only = onlyIndex >= 0 ? argv[onlyIndex + 1]?.split(',') : undefined;
  return { only, options: { peers: argv.includes('--peers') } };
}

async function main(): Promise<void> {
  const { only, options } = parseArgs(process.argv.slice(2));
  const files = readdirSync(benchDir)
    .filter((f) => f.endsWith('.bench.ts'))
    .sort();
  const rows: BenchRow[] = [];
  if (options.peers) options.docker = await startDockerPeer();
  try {
    for (const file of files) {
      const name = file.replace(/\.bench\.ts$/, '');
      if (only && !only.includes(name)) continue;
      const mod = (await import(pathToFileURL(join(benchDir, file)).href)) as { run?: Suite };
      if (typeof mod.run !== 'function') throw new Error(`${file} must export run(options): Promise<BenchRow[]>`);
      process.stderr.write(`bench: ${name}…\n`);
      rows.push(...(await mod.run(options)));
    }
  } finally {
    await options.docker?.stop();
  }
  const table = renderTable(rows);
  console.log(table);
  mkdirSync(join(benchDir, 'results'), { recursive: true });
  writeFileSync(join(benchDir, 'results', 'latest.md'), `${table}\n`);
}

await main();
