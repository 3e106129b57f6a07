// What must be undone after a sandbox, as data. Steps are added as resources are created and run in
// reverse order (like deferred calls). The executor runs the plan itself when a run ends; a detached
// guard shell runs the same plan (kept as a script file, rewritten on every add) if the node process
// dies first — a SIGKILLed process gets no chance to clean up from inside.
import { spawn, type ChildProcess } from 'node:child_process';
import { rm, rmdir, writeFile } from 'node:fs/promises';
import { runCommand } from '../snapshot/command.js';
import { unmount } from '../snapshot/mount.js';

export type CleanupStep =
  | { kind: 'command'; argv: string[] } // failures are ignored: the thing may already be gone
  | { kind: 'unmount'; path: string }
  | { kind: 'rmdir'; paths: string[] } // empty dirs, in order (cgroups cannot be removed recursively)
  | { kind: 'remove'; path: string }; // a file or a whole tree

export class CleanupPlan {
  private readonly steps: CleanupStep[] = [];
  constructor(private readonly scriptPath: string) {}

  async add(step: CleanupStep): Promise<void> {
    this.steps.unshift(step);
    await writeFile(this.scriptPath, renderScript(this.steps));
  }

  async run(): Promise<void> {
    for (const step of this.steps.splice(0)) {
      try {
        if (step.kind === 'command') await runCommand(step.argv[0] as string, step.argv.slice(1));
        else if (step.kind === 'unmount') await unmount(step.path);
        else if (step.kind === 'rmdir') for (const path of step.paths) await rmdir(path).catch(() => {});
        else await rm(step.path, { recursive: true, force: true });
      } catch {
        // Best effort by design: `tsbuild system check` reports whatever could not be removed.
      }
    }
  }

  /** Starts the guard that runs this plan's script unless dismissed. */
  guard(): CleanupGuard {
    return new CleanupGuard(this.scriptPath);
  }
}

function quote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

function renderScript(steps: CleanupStep[]): string {
  const lines = steps.map((step) => {
    if (step.kind === 'command') return `${step.argv.map(quote).join(' ')} >/dev/null 2>&1`;
    if (step.kind === 'unmount') return `umount -R -l ${quote(step.path)} 2>/dev/null`;
    if (step.kind === 'rmdir') return `rmdir ${step.paths.map(quote).join(' ')} 2>/dev/null`;
    return `rm -rf ${quote(step.path)}`;
  });
  return `${lines.join('\n')}\n`;
}

/** A detached shell waiting on a pipe from us: "done" means we cleaned up; EOF without it means we died. */
export class CleanupGuard {
  private readonly child: ChildProcess;
  constructor(scriptPath: string) {
    // The script is read into memory first: its last step removes the folder that holds it.
    const script = `read line\n[ "$line" = done ] && exit 0\nplan=$(cat ${quote(scriptPath)})\neval "$plan"\n`;
    this.child = spawn('sh', ['-c', script], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    this.child.on('error', () => {});
    this.child.unref();
    (this.child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  }

  dismiss(): void {
    this.child.stdin?.end('done\n');
  }
}
