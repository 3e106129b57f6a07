// Enforces DESIGN.md §4 (who may import whom) and §5 (one owner per third-party package) on every run.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/paths.js';

interface SourceFile {
  path: string; // repo-relative, posix
  imports: string[]; // raw specifiers
}

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(repoRoot, dir))) {
    const rel = `${dir}/${name}`;
    if (statSync(join(repoRoot, rel)).isDirectory()) out.push(...listTs(rel));
    else if (name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

const importPattern = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function readSources(): SourceFile[] {
  return ['grammar', 'cache', 'src'].flatMap(listTs).map((path) => {
    const text = readFileSync(join(repoRoot, path), 'utf8');
    const imports = [...text.matchAll(importPattern)].map((m) => (m[1] ?? m[2]) as string);
    return { path, imports };
  });
}

/** Layer of a repo-relative file path, per DESIGN.md §4. */
function layerOf(path: string): number {
  if (path.startsWith('grammar/') || path.startsWith('cache/')) return 0;
  if (path.startsWith('src/cli/')) return 5;
  if (/^src\/(engine|engine-[a-z-]+|index)\.ts$/.test(path)) return 4;
  if (/^src\/(ops|runtime|remote-cache)\//.test(path)) return 3;
  if (/^src\/(graph|solver|registry)\//.test(path)) return 2;
  return 1; // src/image, snapshot, executor, context, host, errors.ts, config.ts
}

function topFolder(path: string): string {
  const parts = path.split('/');
  return parts[0] === 'src' && parts.length > 2 ? `src/${parts[1]}` : parts.length > 1 ? (parts[0] as string) : path;
}

function resolveRelative(from: string, spec: string): string {
  return relative(repoRoot, resolve(repoRoot, dirname(from), spec)).replace(/\.js$/, '.ts');
}

/** Third-party package → files allowed to import it (DESIGN.md §5, prefix match). */
const owners: Record<string, string[]> = {
  chevrotain: ['grammar/tokens.ts', 'grammar/lexer.ts', 'grammar/parser.ts', 'grammar/visitor.ts'],
  '@dagrejs/graphlib': ['src/graph/graph.ts'],
  'tar-stream': ['src/snapshot/diff.ts', 'src/snapshot/apply.ts', 'src/snapshot/tar', 'src/image/archive'],
  'xxhash-wasm': ['cache/digest.ts'],
  ora: ['src/cli/progress.ts'],
  commander: ['src/cli/'],
  vitest: [],
};

const sources = readSources();

describe('architecture: import rules (DESIGN.md §4)', () => {
  it('finds the source files', () => {
    expect(sources.length).toBeGreaterThan(0);
  });

  for (const file of sources) {
    it(`${file.path} imports only downward`, () => {
      const problems: string[] = [];
      const myLayer = layerOf(file.path);
      for (const spec of file.imports) {
        if (spec.startsWith('node:')) continue;
        if (!spec.startsWith('.')) {
          const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string);
          const allowed = owners[pkg];
          if (allowed && !allowed.some((prefix) => file.path.startsWith(prefix))) {
            problems.push(`${spec}: package owned by ${allowed.join(', ') || 'tests only'}`);
          }
          if (myLayer === 0 && file.path.startsWith('grammar/') && pkg !== 'chevrotain') problems.push(`${spec}: grammar/ imports only chevrotain`);
          if (myLayer === 0 && file.path.startsWith('cache/') && pkg !== 'xxhash-wasm') problems.push(`${spec}: cache/ imports only node:* and xxhash-wasm`);
          continue;
        }
        const target = resolveRelative(file.path, spec);
        const myTop = topFolder(file.path);
        const targetTop = topFolder(target);
        if (myTop === targetTop) continue;
        // grammar/ and cache/ are libraries: reached only through their index.ts.
        if ((targetTop === 'grammar' || targetTop === 'cache') && target !== `${targetTop}/index.ts`) {
          problems.push(`${spec}: reach ${targetTop}/ only through ${targetTop}/index.ts`);
        }
        if (myLayer === 0) problems.push(`${spec}: ${myTop}/ must not import ${targetTop}`);
        else if (layerOf(target) > myLayer) problems.push(`${spec}: layer ${myLayer} must not import layer ${layerOf(target)} (${target})`);
        else if (layerOf(target) === myLayer && myLayer !== 1 && !(myTop === 'src/solver' && targetTop === 'src/graph')) problems.push(`${spec}: ${myTop} must not import its sibling ${targetTop}`);
      }
      expect(problems).toEqual([]);
    });
  }
});
