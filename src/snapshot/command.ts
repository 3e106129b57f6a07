// Runs a host tool (ip, iptables, runc…) to completion and turns a failure into an Error that
// carries the command line and its stderr, so callers can report facts instead of "exit 1".
import { execFile } from 'node:child_process';

export interface CommandResult {
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  readonly exitCode: number | null;
  readonly stderr: string;
  constructor(file: string, args: string[], exitCode: number | null, stderr: string) {
    super(`${[file, ...args].join(' ')}: ${stderr.trim() || `exit code ${String(exitCode)}`}`);
    this.name = 'CommandError';
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

export function runCommand(
  file: string,
  args: string[],
  options: { cwd?: string; input?: string } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { cwd: options.cwd, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) {
          const code = typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null;
          reject(new CommandError(file, args, code, stderr || err.message));
        } else resolve({ stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}
