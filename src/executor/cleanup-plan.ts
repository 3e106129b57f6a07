// What must be undone after a sandbox, as data. Steps are added as resources are created and run in
// reverse order (like deferred calls): the executor runs them when a run ends, and a detached guard shell
// runs the same steps as a script (kept as a file, rewritten on every add) if the node process dies
// first — a SIGKILLed process gets no chance to clean up from inside.
import { existsSync, rmdirSync, writeFileSync } from 'node:fs';
import { hostAddon } from '../host/addon.js';
import { runCommand } from '../snapshot/command.js';
import { unmount } from '../snapshot/mount.js';
import { removeTree } from '../snapshot/remove-tree.js';

export type CleanupStep =
  // Failures are ignored: the thing may already be gone.
  | { kind: 'command'; argv: string[]; onlyIfExists?: string }
  | { kind: 'unmount'; path: string }
  | { kind: 'rmdir'; paths: string[] } // empty dirs, in order (cgroups cannot be removed recursively)
  | { kind: 'remove'; path: string }; // a file or a whole tree

export class CleanupPlan {
  private readonly steps: CleanupStep[] = [];
  constructor(private readonly scriptPath: string) {}

  /** Several steps at once cost one script write (a few per sandbox instead of one per resource); a sync one, as it is small. */
  async add(...steps: CleanupStep[]): Promise<void> {
    for (const step of steps) this.steps.unshift(step);
    writeFileSync(this.scriptPath, renderScript(this.steps));
  }

  /** Runs the plan here: only its commands are processes (unmounts are calls of the native addon). */
  async run(): Promise<void> {
    await runCleanupSteps(this.steps.splice(0));
  }
}

/** Runs each step, best effort by design: `tsbuild system check` reports whatever could not be removed. */
export async function runCleanupSteps(steps: CleanupStep[]): Promise<void> {
  for (const step of steps) {
    await runStep(step).catch(() => {
      // the thing may already be gone, or be busy: the next check will list it again
    });
  }
}

async function runStep(step: CleanupStep): Promise<void> {
  if (step.kind === 'command') {
    if (step.onlyIfExists !== undefined && !existsSync(step.onlyIfExists)) return;
    await runCommand(step.argv[0] as string, step.argv.slice(1));
  } else if (step.kind === 'unmount') await unmount(step.path);
  else if (step.kind === 'rmdir') removeEmptyDirs(step.paths);
  else await removeTree(step.path);
}

/** Sync: a dozen cgroup dirs, usually gone already, each a thread-pool round trip otherwise. */
function removeEmptyDirs(paths: string[]): void {
  for (const path of paths) {
    try {
      rmdirSync(path);
    } catch {
      // gone already (runc removes them), or still busy: `system check` lists it
    }
  }
}

export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The steps as sh, a busy mount detached lazily. */
function renderScript(steps: CleanupStep[]): string {
  const lines = steps.map((step) => {
    if (step.kind === 'command') {
      const command = `${step.argv.map(shellQuote).join(' ')} >/dev/null 2>&1`;
      return step.onlyIfExists === undefined ? command : `[ -e ${shellQuote(step.onlyIfExists)} ] && ${command}`;
    }
    if (step.kind === 'unmount') return `umount -R ${shellQuote(step.path)} 2>/dev/null || umount -R -l ${shellQuote(step.path)} 2>/dev/null`;
    // Usually gone already (runc removes a container's cgroups when it ends): test first, spawn rmdir only for what is left.
    if (step.kind === 'rmdir') return `for d in ${step.paths.map(shellQuote).join(' ')}; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done`;
    return `rm -rf ${shellQuote(step.path)}`;
  });
  return `${lines.join('\n')}\n`;
}

/** The write end of the guard's pipe: never closed, so it closes when this process ends. */
let guardPipe: number | undefined;

/**
 * Starts (once per process) a detached shell holding a pipe from us. It never hears from us: when this
 * process ends — however it ends — the pipe closes, and the shell runs the cleanup script of every
 * sandbox the registry still lists under our pid. Registry entries read "<pid>\n<bundle dir>\n".
 */
export function ensureProcessGuard(registryDir: string): void {
  if (guardPipe !== undefined) return;
  const script = [
    'read _',
    `for entry in ${shellQuote(registryDir)}/*; do`,
    '  [ -f "$entry" ] || continue',
    '  { read pid; read bundle; } < "$entry"',
    '  [ "$pid" = "$1" ] || continue',
    '  [ -f "$bundle/cleanup.sh" ] && { plan=$(cat "$bundle/cleanup.sh"); eval "$plan"; }',
    '  rm -f "$entry"',
    'done',
  ].join('\n');
  guardPipe = hostAddon().spawnWatcher(['sh', '-c', script, 'tsbuild-guard', String(process.pid)]);
}
