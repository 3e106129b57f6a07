// Compiles and bundles the CLI once before the suite (npm run build's two steps), so end-to-end tests
// never run a stale dist/ build.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

export default function compileCli(): void {
  execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  execFileSync(process.execPath, [join(repoRoot, 'scripts', 'bundle.mjs')], { cwd: repoRoot, stdio: 'inherit' });
}
