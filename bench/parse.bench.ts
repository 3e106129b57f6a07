// Parser throughput (MB/s and instructions/s) of parseDockerfile against the dockerfile-ast package on
// (a) every conformance testfiles Dockerfile concatenated ×200 and (b) a generated 10,000-instruction file.
// `node --import tsx bench/parse.bench.ts` prints the table; `npm run bench` picks up `run`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DockerfileParser, ModifiableInstruction } from 'dockerfile-ast';
import { parseDockerfile } from '../grammar/index.js';
import { conformanceDir } from '../test/helpers/paths.js';
import { renderTable, type BenchRow } from './table.js';

export type Row = BenchRow;

function corpusText(): string {
  const dir = join(conformanceDir, 'parser', 'testfiles');
  const files = readdirSync(dir)
    .sort()
    // A file ending in a line continuation would swallow the next file's first line: drop that last escape.
    .map((name) => readFileSync(join(dir, name, 'Dockerfile'), 'utf8').replace(/[\\`]\s*$/, '\n'));
  return Array.from({ length: 200 }, () => files.join('\n')).join('\n');
}

const templates = [
  (i: number) => `FROM --platform=$BUILDPLATFORM golang:1.22 AS build${i}`,
  (i: number) => `ARG VERSION_${i}=1.${i}`,
  (i: number) => `ENV PATH=/usr/local/bin:$PATH APP_${i}="value ${i}"`,
  (i: number) => `RUN --mount=type=cache,target=/root/.cache apt-get update \\\n    && apt-get install -y pkg${i} \\\n    && rm -rf /var/lib/apt/lists/*`,
  (i: number) => `COPY --from=build --chown=app:app --chmod=755 /src/${i} /app/${i}/`,
  (i: number) => `LABEL org.example.item="${i}" org.example.kind=bench`,
  (i: number) => `WORKDIR /app/${i}`,
  (i: number) => `CMD ["/app/server", "--port", "${8000 + (i % 1000)}"]`,
  (i: number) => `HEALTHCHECK --interval=30s --timeout=3s CMD curl -f http://localhost:${i}/ || exit 1`,
  (i: number) => `EXPOSE ${1000 + (i % 60000)}/tcp`,
];

function generatedText(count: number): string {
  return Array.from({ length: count }, (_, i) => (templates[i % templates.length] as (i: number) => string)(i)).join('\n') + '\n';
}

/** Parses `text` repeatedly for about `ms` and returns runs per second. */
function runsPerSecond(parse: (text: string) => void, text: string, ms = 1500): number {
  parse(text); // warm-up (also builds the chevrotain parser once)
  let runs = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    parse(text);
    runs++;
    now = performance.now();
  }
  return (runs / (now - start)) * 1000;
}

const ours = (text: string): void => {
  parseDockerfile(text);
};

// dockerfile-ast computes arguments and flags lazily; ask for them so both sides do comparable work.
const theirs = (text: string): void => {
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    instruction.getArguments();
    if (instruction instanceof ModifiableInstruction) instruction.getFlags();
  }
};

function rows(caseName: string, text: string): Row[] {
  const megabytes = Buffer.byteLength(text) / 1e6;
  const instructions = parseDockerfile(text).nodes.length;
  const mine = runsPerSecond(ours, text);
  const peer = runsPerSecond(theirs, text);
  return [
    { suite: 'parse', case: caseName, unit: 'MB/s', tsbuild: mine * megabytes, peer: { name: 'dockerfile-ast', value: peer * megabytes } },
    {
      suite: 'parse',
      case: caseName,
      unit: 'instructions/s',
      tsbuild: mine * instructions,
      peer: { name: 'dockerfile-ast', value: peer * instructions },
    },
  ];
}

export async function runParseBench(): Promise<Row[]> {
  return [...rows('testfiles ×200', corpusText()), ...rows('generated 10,000 instructions', generatedText(10_000))];
}

export const run = runParseBench;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(renderTable(await runParseBench()));
}
