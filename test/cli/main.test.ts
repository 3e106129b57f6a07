// The lazy command table: argv picks which command modules load, and a command registered alone must
// look exactly as it does in the full table (help text, flags), so `W --help` (lazy) equals `help W` (all).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { commandsFor } from '../../src/cli/main.js';
import { cliPath } from '../helpers/paths.js';

const all = commandsFor([]);

function cli(args: string[]): { code: number | null; output: string } {
  const result = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8' });
  return { code: result.status, output: result.stdout + result.stderr };
}

describe('commandsFor', () => {
  it('loads only the modules registering the command word, after the program options', () => {
    const run = commandsFor(['--root', '/tmp/x', 'run', '--rm', 'img', 'ps']);
    expect(run.map((entry) => entry.words)).toEqual([['run', 'container']]);
    expect(commandsFor(['--root=/tmp/x', 'ps', '-a'])).toEqual(commandsFor(['ps']));
    expect(commandsFor(['container', 'ls']).map((entry) => entry.words[0])).toEqual(['run', 'ps', 'rm']);
  });

  it('loads none for a bare --version, all for help, and the default build for any other word', () => {
    expect(commandsFor(['--version'])).toEqual([]);
    expect(commandsFor(['--root', '/x', '-V'])).toEqual([]);
    for (const argv of [[], ['help', 'run'], ['--help'], ['-h'], ['--root', '/x', '--help'], ['--version', 'run']]) {
      expect(commandsFor(argv)).toBe(all);
    }
    for (const argv of [['-t', 'app:1', '.'], ['.'], ['--root', '/x', '-q', '.'], ['--bogus', 'run'], ['imagez']]) {
      expect(commandsFor(argv).map((entry) => entry.words)).toEqual([['build']]);
    }
  });
});

describe('a lazily registered command', () => {
  const words = [...new Set(all.flatMap((entry) => entry.words))];

  it.each(words)('`%s --help` matches its help in the full table', (word) => {
    const lazy = cli([word, '--help']);
    const full = cli(['help', word]);
    expect(lazy.code).toBe(0);
    expect(lazy.output).toBe(full.output);
  });

  it('still lists every command in the top-level help', () => {
    const help = cli(['--help']).output;
    for (const word of words) expect(help).toMatch(new RegExp(`^  ${word}\\b`, 'm'));
  });

  it('prints the version without loading any command', () => {
    expect(cli(['--version'])).toEqual({ code: 0, output: '0.1.0\n' });
  });
});

describe('usage errors', () => {
  it.each([
    [['images', '--bogus'], "See 'tsbuild images --help'."],
    [['image', 'ls', '--bogus'], "See 'tsbuild image ls --help'."],
    [['run', '--bogus', 'img'], "See 'tsbuild run --help'."],
    [['build', 'a', 'b'], "See 'tsbuild build --help'."],
  ])('tsbuild %j exits 125 with the error and a pointer to help, as the Docker CLI does', (args, hint) => {
    const { code, output } = cli(args);
    expect(code).toBe(125);
    expect(output).toContain(hint);
    expect(output).not.toContain('Usage:');
  });

  it('names an unknown flag in the words of the Docker CLI on every command', () => {
    expect(cli(['images', '--bogus']).output).toBe("unknown flag: --bogus\nSee 'tsbuild images --help'.\n");
    expect(cli(['image', 'ls', '-z']).output).toBe("unknown shorthand flag: 'z' in -z\nSee 'tsbuild image ls --help'.\n");
    expect(cli(['build', '--nope', '.']).output).toBe("unknown flag: --nope\nSee 'tsbuild build --help'.\n");
    // The default command, registered alone for a leading flag, says the same.
    expect(cli(['-q', '--nope', '.']).output).toBe("unknown flag: --nope\nSee 'tsbuild build --help'.\n");
  });

  it('ends help and --version with 0', () => {
    expect(cli(['images', '--help']).code).toBe(0);
    expect(cli(['--version']).code).toBe(0);
  });
});
