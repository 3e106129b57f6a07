// Build speed: cold (fresh state root), warm (nothing changed) and incremental (one source file
// changed) builds of three workloads through the real CLI — a small app, a 4-stage build and a
// 20,000-file 200 MB context. Reports median seconds and the CLI's peak RSS (GNU time's %M). With
// --peers, the same builds by `docker build` (BuildKit in a private dockerd, bench/peers/docker.ts) beside.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DockerPeer } from './peers/docker.js';
import type { BenchOptions } from './run.js';
import type { BenchRow } from './table.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The `tsbuild` command when built, else the TypeScript entry through tsx. */
function cliCommand(): string[] {
  const compiled = join(repoRoot, 'dist', 'cli', 'tsbuild');
  return existsSync(compiled) ? [compiled] : [process.execPath, '--import', 'tsx', join(repoRoot, 'src', 'cli', 'bin.ts')];
}

interface Measure {
  seconds: number;
  peakRssMb: number;
}

/**
 * One command's wall time and peak RSS, under GNU time. Both tools' builds run through it, so both pay the
 * wrapper's fork and exec (~1.5 ms: 3–5% of a no-op build).
 */
function measured(name: string, command: string[], cwd: string, env: NodeJS.ProcessEnv | undefined, rssFile: string): Measure {
  const started = process.hrtime.bigint();
  const result = spawnSync('/usr/bin/time', ['-f', '%M', '-o', rssFile, ...command], { cwd, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`${name} failed (${result.status}):\n${result.stderr}`);
  const peakRssMb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1)) / 1024;
  rmSync(rssFile, { force: true });
  return { seconds, peakRssMb };
}

function tsbuild(root: string, args: string[], cwd: string): Measure {
  return measured(`tsbuild ${args.join(' ')}`, [...cliCommand(), '--root', root, ...args], cwd, undefined, join(root, '..', `rss-${process.pid}`));
}

/** Seconds of one `docker build` of `cwd` on the peer daemon (the client's RSS says nothing of BuildKit's: not kept). */
function dockerBuild(docker: DockerPeer, cwd: string): number {
  return measured('docker build', [docker.client, 'build', '-q', '-t', 'bench', '.'], cwd, docker.env, join(cwd, '..', `rss-docker-${process.pid}`)).seconds;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

interface Workload {
  name: string;
  /** Writes the context (Dockerfile included) into `dir`. */
  create(dir: string): void;
  /** The one file the incremental build changes. */
  changedFile: string;
  runs: number;
}

const workloads: Workload[] = [
  {
    name: 'small app',
    runs: 5,
    changedFile: 'src/app.sh',
    create(dir) {
      mkdirSync(join(dir, 'src'), { recursive: true });
      writeFileSync(join(dir, 'deps.txt'), 'dep-a 1.0\ndep-b 2.1\n');
      for (let i = 0; i < 20; i++) writeFileSync(join(dir, 'src', `mod${i}.sh`), `echo module ${i}\n`);
      writeFileSync(join(dir, 'src', 'app.sh'), 'echo app v1\n');
      writeFileSync(
        join(dir, 'Dockerfile'),
        'FROM busybox\nWORKDIR /app\nCOPY deps.txt .\nRUN sort deps.txt > deps.lock\nCOPY src/ ./src/\nRUN cat src/*.sh > bundle.sh && wc -l bundle.sh\nCMD ["sh", "/app/bundle.sh"]\n',
      );
    },
  },
  {
    name: '4-stage build',
    runs: 3,
    changedFile: 'src/main.sh',
    create(dir) {
      mkdirSync(join(dir, 'src'), { recursive: true });
      writeFileSync(join(dir, 'src', 'main.sh'), 'echo main v1\n');
      writeFileSync(join(dir, 'src', 'lib.sh'), 'echo lib\n');
      writeFileSync(join(dir, 'tests.sh'), 'grep -q main /build/main.sh\n');
      writeFileSync(
        join(dir, 'Dockerfile'),
        [
          'FROM busybox AS deps',
          'RUN mkdir -p /deps && for i in 1 2 3 4 5; do echo dep$i > /deps/dep$i; done',
          'FROM busybox AS build',
          'COPY --from=deps /deps /deps',
          'COPY src/ /build/',
          'RUN cat /build/*.sh > /build/app.sh',
          'FROM build AS test',
          'COPY tests.sh /tests.sh',
          'RUN sh /tests.sh && touch /tested',
          'FROM busybox',
          'COPY --from=test /tested /tested',
          'COPY --from=build /build/app.sh /app.sh',
          'CMD ["sh", "/app.sh"]',
          '',
        ].join('\n'),
      );
    },
  },
  {
    name: '20,000-file 200 MB context',
    // Three runs: one run's incremental build swung by ±30% with the VM's disk and memory.
    runs: 3,
    changedFile: 'd7/f7777.bin',
    create(dir) {
      const block = Buffer.alloc(10 * 1024);
      for (let d = 0; d < 20; d++) {
        mkdirSync(join(dir, `d${d}`), { recursive: true });
        for (let f = d * 1000; f < (d + 1) * 1000; f++) {
          block.writeUInt32LE(f, 0); // distinct content per file
          writeFileSync(join(dir, `d${d}`, `f${f}.bin`), block);
        }
      }
      writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nCOPY . /ctx/\nRUN du -sk /ctx\n');
    },
  },
];

export async function runBuildBench(options: BenchOptions = { peers: false }): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const busybox = join(repoRoot, '.tsbuild-bases', 'busybox.tar');
  if (!existsSync(busybox)) execFileSync('bash', [join(repoRoot, 'scripts', 'make-busybox-rootfs.sh')], { stdio: 'inherit' });
  const docker = options.docker;
  docker?.docker(['import', busybox, 'busybox:latest']);
  for (const workload of workloads) {
    const work = mkdtempSync(join(tmpdir(), 'tsbuild-bench-build-'));
    try {
      const context = join(work, 'context');
      mkdirSync(context);
      workload.create(context);
      const cold: Measure[] = [];
      const warm: Measure[] = [];
      const incremental: Measure[] = [];
      const peer = { cold: [] as number[], warm: [] as number[], incremental: [] as number[] };
      for (let run = 0; run < workload.runs; run++) {
        const root = join(work, `root-${run}`);
        tsbuild(root, ['import', busybox, 'busybox:latest'], context);
        cold.push(tsbuild(root, ['build', '-q', '-t', 'bench', '.'], context));
        warm.push(tsbuild(root, ['build', '-q', '-t', 'bench', '.'], context));
        writeFileSync(join(context, workload.changedFile), `changed in run ${run}\n`, { flag: 'a' });
        incremental.push(tsbuild(root, ['build', '-q', '-t', 'bench', '.'], context));
        rmSync(root, { recursive: true, force: true });
        if (docker) {
          docker.dockerStatus(['rmi', '-f', 'bench']);
          docker.docker(['builder', 'prune', '-af']);
          peer.cold.push(dockerBuild(docker, context));
          peer.warm.push(dockerBuild(docker, context));
          writeFileSync(join(context, workload.changedFile), `changed for docker in run ${run}\n`, { flag: 'a' });
          peer.incremental.push(dockerBuild(docker, context));
        }
      }
      for (const [kind, measures] of [['cold', cold], ['warm', warm], ['incremental', incremental]] as const) {
        rows.push({
          suite: 'build',
          case: `${workload.name}, ${kind}`,
          unit: 's (median)',
          tsbuild: median(measures.map((m) => m.seconds)),
          ...(docker ? { peer: { name: `docker build (dockerd ${docker.version}, BuildKit)`, value: median(peer[kind]) } } : {}),
          note: `peak RSS ${Math.round(Math.max(...measures.map((m) => m.peakRssMb)))} MB, ${workload.runs} run(s)`,
        });
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return rows;
}

export const run = runBuildBench;
