// RUN --mount=… values: `type=cache,target=/root/.cache,from=build,source=/out,ro` → MountSpec.
// Values are expanded with the stage's variables, except `from`, which BuildKit refuses to expand.
import { posix } from 'node:path';
import type { InputRef, MountSpec } from './types.js';

export class MountSpecError extends Error {
  override name = 'MountSpecError';
}

const mountTypes = ['bind', 'cache', 'tmpfs', 'secret', 'ssh'] as const;
type MountType = (typeof mountTypes)[number];

const knownKeys = new Set([
  'type', 'from', 'source', 'src', 'target', 'dst', 'destination', 'readonly', 'ro', 'readwrite', 'rw',
  'id', 'sharing', 'mode', 'uid', 'gid', 'required', 'size', 'env',
]);

/** `key=value` fields of a mount flag; a bare `ro` is `ro=` (true). */
export function mountFields(raw: string): [key: string, value: string, field: string][] {
  return raw
    .split(',')
    .filter((field) => field !== '')
    .map((field) => {
      const eq = field.indexOf('=');
      const key = (eq < 0 ? field : field.slice(0, eq)).trim().toLowerCase();
      return [key, eq < 0 ? '' : field.slice(eq + 1), field];
    });
}

/** The `from=` value as written, for stage dependency planning. */
export function mountFrom(raw: string): string | undefined {
  return mountFields(raw).find(([key]) => key === 'from')?.[1];
}

function parseBool(value: string): boolean {
  return value === '' || value.toLowerCase() === 'true' || value === '1';
}

/**
 * Parses one --mount value. `expand` expands a value; `resolveFrom` turns `from=` into an input;
 * a relative target is taken from `workdir` as BuildKit does.
 */
export function parseMountSpec(
  raw: string,
  expand: (value: string) => string,
  resolveFrom: (name: string) => InputRef,
  workdir: string,
): MountSpec {
  let type: MountType = 'bind';
  let target: string | undefined;
  let source: string | undefined;
  let from: InputRef | undefined;
  let readonly: boolean | undefined;
  const options: Record<string, string> = {};
  for (const [key, rawValue, field] of mountFields(raw)) {
    if (!knownKeys.has(key)) throw new MountSpecError(`unexpected key '${key}' in '${field}'`);
    if (key === 'from') {
      if (rawValue.includes('$')) {
        throw new MountSpecError(`'from' doesn't support variable expansion, define alias stage instead`);
      }
      from = resolveFrom(rawValue);
      continue;
    }
    const value = expand(rawValue);
    switch (key) {
      case 'type':
        if (!(mountTypes as readonly string[]).includes(value)) throw new MountSpecError(`unsupported mount type ${JSON.stringify(value)}`);
        type = value as MountType;
        break;
      case 'source':
      case 'src':
        source = value;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        target = value;
        break;
      case 'readonly':
      case 'ro':
        readonly = parseBool(value);
        break;
      case 'readwrite':
      case 'rw':
        readonly = !parseBool(value);
        break;
      default:
        options[key] = value;
    }
  }
  if (type === 'secret' && target === undefined && options['env'] === undefined) {
    target = `/run/secrets/${options['id'] ?? source ?? ''}`;
  }
  if (target === undefined && type !== 'ssh' && !(type === 'secret' && options['env'] !== undefined)) {
    throw new MountSpecError(`mount type ${type} requires a target`);
  }
  if (target !== undefined && !target.startsWith('/')) target = posix.join(workdir, target);
  const defaultReadonly = type === 'bind' || type === 'secret' || type === 'ssh';
  return { type, target, source, from, readonly: readonly ?? defaultReadonly, options };
}
