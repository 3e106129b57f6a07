// Throughput of shell-word expansion and .dockerignore matching on Dockerfile-like inputs (`npm run bench`).
import { compileIgnore, expandWord, expandWords, parseDockerignore } from '../grammar/index.js';

const env = ['HOME=/root', 'APP=web', 'VERSION=1.2.3', 'TARGETARCH=arm64', 'TARGETVARIANT=', 'FLAGS=-O2  -g'];

const words = [
  '/usr/local/${APP}/bin',
  'app-${VERSION}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz',
  '"$HOME/.config/${APP:-default}"',
  '${VERSION%%.*}',
  '${VERSION//./_}',
  'plain-word-without-dollars',
  "'single $QUOTED text'",
  'cc $FLAGS -o out main.c',
];

const ignoreText = 'node_modules\n**/*.log\n.git\ndist/\n!dist/keep\n**/__pycache__\n*.md\n!README.md\n';
const paths = [
  'src/index.ts',
  'node_modules/a/b/c.js',
  'logs/deep/x.log',
  'README.md',
  'docs/guide.md',
  'dist/keep/a',
  'pkg/__pycache__/m.pyc',
];

/** Runs `step` for about `ms` milliseconds and returns calls per second. */
function rate(step: () => void, ms = 500): number {
  let calls = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 1000; i++) step();
    calls += 1000;
    now = performance.now();
  }
  return (calls / (now - start)) * 1000;
}

/** Words per second for expandWord / expandWords and paths per second for ignore matching. */
export function runExpandBench(): { expandWord: number; expandWords: number; ignores: number } {
  let i = 0;
  const matcher = compileIgnore(parseDockerignore(ignoreText));
  return {
    expandWord: rate(() => expandWord(words[i++ % words.length]!, env)),
    expandWords: rate(() => expandWords(words[i++ % words.length]!, env)),
    ignores: rate(() => matcher.ignores(paths[i++ % paths.length]!)),
  };
}

export async function run() {
  const result = runExpandBench();
  return [
    { suite: 'expand', case: 'expandWord, 8 Dockerfile-like words', unit: 'words/s', tsbuild: result.expandWord },
    { suite: 'expand', case: 'expandWords (field splitting)', unit: 'words/s', tsbuild: result.expandWords },
    { suite: 'expand', case: '.dockerignore ignores(), 8 patterns', unit: 'paths/s', tsbuild: result.ignores },
  ];
}
