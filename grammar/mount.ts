// `RUN --mount=…` values: the comma-separated key=value list parsed and validated into a typed MountSpec.
import { closest } from './suggest.js';

export type CacheSharing = 'shared' | 'private' | 'locked';

interface Ownership {
  /** Octal file mode, e.g. 0o755. */
  mode: number | undefined;
  uid: number | undefined;
  gid: number | undefined;
}

export type MountSpec =
  | { type: 'bind'; target: string; source: string | undefined; from: string | undefined; readonly: boolean }
  | ({
      type: 'cache';
      target: string;
      id: string | undefined;
      sharing: CacheSharing;
      source: string | undefined;
      from: string | undefined;
      readonly: boolean;
    } & Ownership)
  | { type: 'tmpfs'; target: string; size: number | undefined }
  | ({ type: 'secret'; id: string; target: string | undefined; env: string | undefined; required: boolean } & Ownership)
  | ({ type: 'ssh'; id: string; target: string | undefined; required: boolean } & Ownership);

export type MountParseResult = { ok: true; mount: MountSpec } | { ok: false; message: string };

const keyAliases: Record<string, string> = {
  dst: 'target',
  destination: 'target',
  src: 'source',
  ro: 'readonly',
  rw: 'readwrite',
};

const keysByType: Record<MountSpec['type'], readonly string[]> = {
  bind: ['target', 'source', 'from', 'readonly', 'readwrite'],
  cache: ['target', 'id', 'sharing', 'source', 'from', 'readonly', 'readwrite', 'mode', 'uid', 'gid'],
  tmpfs: ['target', 'size'],
  secret: ['id', 'target', 'env', 'required', 'mode', 'uid', 'gid'],
  ssh: ['id', 'target', 'required', 'mode', 'uid', 'gid'],
};

/** Splits on commas outside double quotes and removes the quotes (CSV fields, as BuildKit reads them). */
function csvFields(text: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields.map((f) => f.trim()).filter((f) => f !== '');
}

class MountError extends Error {}

/** BuildKit's hint for a mistyped mount type or key: "typ" → type, "tmp" → tmpfs (up to 2 edits). */
function didYouMean(word: string, candidates: readonly string[]): string {
  const near = closest(word, candidates, 2);
  return near === undefined ? '' : ` (did you mean ${near}?)`;
}

function parseBool(key: string, value: string | undefined): boolean {
  if (value === undefined) return true;
  if (/^(true|1)$/i.test(value)) return true;
  if (/^(false|0)$/i.test(value)) return false;
  throw new MountError(`invalid value for ${key}: ${value}`);
}

function parseInteger(key: string, value: string | undefined, radix: 8 | 10): number | undefined {
  if (value === undefined) return undefined;
  const pattern = radix === 8 ? /^0?[0-7]+$/ : /^\d+$/;
  if (!pattern.test(value)) throw new MountError(`invalid value for ${key}: ${value}`);
  return Number.parseInt(value, radix);
}

/** tmpfs sizes: bytes with an optional k/m/g suffix (binary units, like Docker's RAMInBytes). */
function parseSize(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(value);
  if (!m) throw new MountError(`invalid value for size: ${value}`);
  const power = ['', 'k', 'm', 'g', 't'].indexOf((m[2] as string).toLowerCase());
  return Math.round(Number(m[1]) * 1024 ** power);
}

/**
 * `expandValue` is applied to each `key=value` field's value after the split, as BuildKit expands mount
 * options one at a time: a variable whose value holds a comma still makes one value. What it throws passes
 * through.
 */
export function parseMount(text: string, expandValue: (value: string) => string = (value) => value): MountParseResult {
  try {
    const options = new Map<string, string | undefined>();
    for (const field of csvFields(text)) {
      const eq = field.indexOf('=');
      const rawKey = (eq === -1 ? field : field.slice(0, eq)).toLowerCase();
      const key = keyAliases[rawKey] ?? rawKey;
      options.set(key, eq === -1 ? undefined : expandValue(field.slice(eq + 1)));
    }
    const type = options.get('type') ?? 'bind';
    options.delete('type');
    if (!(type in keysByType)) throw new MountError(`unsupported mount type "${type}"${didYouMean(type, Object.keys(keysByType))}`);
    const mountType = type as MountSpec['type'];
    for (const key of options.keys()) {
      if (!keysByType[mountType].includes(key)) throw new MountError(`unexpected key '${key}' in '${text}'${didYouMean(key, ['type', ...keysByType[mountType]])}`);
    }
    const get = (key: string): string | undefined => options.get(key);
    const target = get('target');
    const ownership = (): Ownership => ({
      mode: parseInteger('mode', get('mode'), 8),
      uid: parseInteger('uid', get('uid'), 10),
      gid: parseInteger('gid', get('gid'), 10),
    });
    const readonly = (defaultValue: boolean): boolean =>
      options.has('readonly') ? parseBool('readonly', get('readonly')) : options.has('readwrite') ? !parseBool('readwrite', get('readwrite')) : defaultValue;
    if ((mountType === 'bind' || mountType === 'cache' || mountType === 'tmpfs') && !target) {
      throw new MountError(`mount type ${mountType} requires a target`);
    }
    switch (mountType) {
      case 'bind':
        return { ok: true, mount: { type: 'bind', target: target as string, source: get('source'), from: get('from'), readonly: readonly(true) } };
      case 'cache': {
        const sharing = get('sharing') ?? 'shared';
        if (!['shared', 'private', 'locked'].includes(sharing)) throw new MountError(`unsupported sharing value "${sharing}"`);
        return {
          ok: true,
          mount: {
            type: 'cache',
            target: target as string,
            id: get('id'),
            sharing: sharing as CacheSharing,
            source: get('source'),
            from: get('from'),
            readonly: readonly(false),
            ...ownership(),
          },
        };
      }
      case 'tmpfs':
        return { ok: true, mount: { type: 'tmpfs', target: target as string, size: parseSize(get('size')) } };
      case 'secret': {
        const id = get('id') ?? target?.split('/').filter(Boolean).at(-1);
        if (!id) throw new MountError('secret mount requires an id or a target');
        const required = options.has('required') ? parseBool('required', get('required')) : false;
        return { ok: true, mount: { type: 'secret', id, target, env: get('env'), required, ...ownership() } };
      }
      case 'ssh': {
        const required = options.has('required') ? parseBool('required', get('required')) : false;
        return { ok: true, mount: { type: 'ssh', id: get('id') ?? 'default', target, required, ...ownership() } };
      }
    }
  } catch (error) {
    if (error instanceof MountError) return { ok: false, message: error.message };
    throw error;
  }
}
