// The STATUS and COMMAND columns of `tsbuild ps`, in Docker's words.
import { describe, expect, it } from 'vitest';
import { containerCommand, containerStatus } from '../../src/cli/commands/ps.js';
import type { Container, ContainerState } from '../../src/runtime/store.js';

const now = Date.parse('2026-01-01T12:00:00Z');
const ago = (ms: number): string => new Date(now - ms).toISOString();

function container(state: ContainerState, command: string[] = ['sh']): Container {
  return { config: { created: ago(60_000), command } as Container['config'], state };
}

describe('containerStatus', () => {
  it('says Created, Up … and Exited (N) … ago', () => {
    expect(containerStatus(container({ status: 'created' }), now)).toBe('Created');
    expect(containerStatus(container({ status: 'running', startedAt: ago(3_000) }), now)).toBe('Up 3 seconds');
    expect(containerStatus(container({ status: 'running', startedAt: ago(200) }), now)).toBe('Up Less than a second');
    expect(containerStatus(container({ status: 'exited', exitCode: 137, finishedAt: ago(2 * 3_600_000) }), now)).toBe('Exited (137) 2 hours ago');
  });
});

describe('containerCommand', () => {
  it('quotes arguments like a shell, truncates to 20 characters, then double-quotes', () => {
    expect(containerCommand(container({ status: 'created' }, ['bash', '-c', 'exit 1']), false)).toBe(`"bash -c 'exit 1'"`);
    expect(containerCommand(container({ status: 'created' }, ['sh', '-c', 'while true; do sleep 1; done']), false)).toBe(`"sh -c 'while true; …"`);
    expect(containerCommand(container({ status: 'created' }, ['sh', '-c', 'while true; do sleep 1; done']), true)).toBe(`"sh -c 'while true; do sleep 1; done'"`);
    expect(containerCommand(container({ status: 'created' }, ['echo', "it's", '']), true)).toBe(`"echo 'it'\\\\''s' ''"`);
  });
});
