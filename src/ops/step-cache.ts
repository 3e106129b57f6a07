// The build cache of step results until src/solver's records take over: key = sha256 of the step's
// named key parts (op parts, the parent state's chain ID, checksums of the context files it reads);
// record = the FsState it produced, kept under the state root so results survive restarts. A record
// whose snapshot or layers are gone is a miss, never an error. Each step's last parts are kept by a
// stable identity so a miss can be explained ("file src/app.js changed", "command changed").
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Of } from '../../cache/index.js';
import type { FsDeps, FsState } from './fs-state.js';

interface StepRecord {
  version: 1;
  state: FsState;
  parts: string[];
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined; // absent or corrupt: a miss
  }
}

async function writeJson(path: string, value: unknown): Promise<void> {
  const temp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(temp, JSON.stringify(value));
  await rename(temp, path);
}

export function stepCacheKey(parts: string[]): string {
  return sha256Of(JSON.stringify(parts)).slice('sha256:'.length);
}

export class StepCache {
  constructor(private readonly dir: string) {}

  private recordPath(key: string): string {
    return join(this.dir, 'records', `${key}.json`);
  }

  private identityPath(identity: string): string {
    return join(this.dir, 'last', `${stepCacheKey([identity])}.json`);
  }

  /** The cached result for `parts`, if its snapshot and layer blobs still exist. */
  async lookup(deps: FsDeps, parts: string[]): Promise<FsState | undefined> {
    const record = await readJson<StepRecord>(this.recordPath(stepCacheKey(parts)));
    if (record?.version !== 1) return undefined;
    const { state } = record;
    if (state.snapshot !== undefined && !(await deps.snapshotter.stat(state.snapshot))) return undefined;
    for (const layer of state.layers) if (!(await deps.content.has(layer.diffId))) return undefined;
    return state;
  }

  async store(identity: string, parts: string[], state: FsState): Promise<void> {
    await mkdir(join(this.dir, 'records'), { recursive: true });
    await writeJson(this.recordPath(stepCacheKey(parts)), { version: 1, state, parts } satisfies StepRecord);
    await this.remember(identity, parts);
  }

  /** Notes the parts this step used now (hit or miss), to explain its next miss. */
  async remember(identity: string, parts: string[]): Promise<void> {
    await mkdir(join(this.dir, 'last'), { recursive: true });
    await writeJson(this.identityPath(identity), parts);
  }

  /** Why `parts` missed, compared with what the same step used last time, in people's words. */
  async explainMiss(identity: string, parts: string[]): Promise<string> {
    const previous = await readJson<string[]>(this.identityPath(identity));
    if (!previous) return 'no previous build of this step';
    return describeDifference(previous, parts);
  }
}

/** "file src/app.js changed", "build arg VERSION changed", "command changed", … from two part lists. */
export function describeDifference(previous: string[], current: string[]): string {
  const subject = (part: string): string => {
    const [kind = '', name = ''] = part.split(' ');
    if (kind === 'file') return `file ${name}`;
    if (kind === 'arg') return `build arg ${name.slice(0, name.indexOf('='))}`;
    if (kind === 'env') return `env ${name.slice(0, name.indexOf('='))}`;
    if (kind === 'parent') return 'the step before it';
    if (kind === 'from') return 'the stage it copies from';
    return kind;
  };
  const before = new Map(previous.map((part) => [subject(part), part]));
  const after = new Map(current.map((part) => [subject(part), part]));
  const reasons: string[] = [];
  for (const [name, part] of after) {
    const old = before.get(name);
    if (old === undefined) reasons.push(`${name} added`);
    else if (old !== part) reasons.push(`${name} changed`);
  }
  for (const name of before.keys()) if (!after.has(name)) reasons.push(`${name} removed`);
  if (reasons.length === 0) return 'cache record missing';
  return reasons.length > 3 ? `${reasons.slice(0, 3).join(', ')} and ${reasons.length - 3} more` : reasons.join(', ');
}
