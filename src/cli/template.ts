// The subset of Go's text/template that `--format` strings use with inspect: field paths
// ({{.Id}}, {{.Config.Cmd}}), and the json, index, join, upper, lower, len functions.
import { UserError } from '../errors.js';

/** How Go's fmt prints a value inside a template: slices "[a b]", maps "map[k:v]", nil "<no value>". */
function goPrint(value: unknown): string {
  if (value === undefined) return '<no value>';
  if (value === null) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(goPrint).join(' ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[${entries.map(([k, v]) => `${k}:${goPrint(v)}`).join(' ')}]`;
  }
  return String(value);
}

function lookup(data: unknown, path: string): unknown {
  if (path === '.') return data;
  let value: unknown = data;
  for (const field of path.slice(1).split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[field];
  }
  return value;
}

/** Splits "json .Config" / `join .RepoTags ","` into words, keeping quoted strings whole. */
function words(action: string): string[] {
  return [...action.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => (m[1] !== undefined ? JSON.parse(`"${m[1]}"`) as string : (m[2] as string)));
}

export interface TemplateOptions {
  /**
   * How a null field prints, by the field's name: Go prints a nil slice `[]` and a nil map `map[]`, where
   * JSON (and so our data) has null for both; other nulls (nil pointers) print `<nil>`.
   */
  nilAs?: Readonly<Record<string, string>>;
}

function evaluate(action: string, data: unknown, options: TemplateOptions): unknown {
  const parts = words(action);
  const arg = (word: string | undefined): unknown => (word === undefined ? undefined : word.startsWith('.') ? lookup(data, word) : /^-?\d+$/.test(word) ? Number(word) : word);
  const [head, ...rest] = parts;
  switch (head) {
    case undefined:
      throw new UserError('template: empty action');
    case 'json':
      return JSON.stringify(arg(rest[0]) ?? null);
    case 'index': {
      const base = arg(rest[0]) as Record<string | number, unknown> | undefined;
      return base?.[arg(rest[1]) as string | number];
    }
    case 'join':
      return ((arg(rest[0]) as unknown[] | null) ?? []).map(goPrint).join(String(arg(rest[1]) ?? ''));
    case 'upper':
      return goPrint(arg(rest[0])).toUpperCase();
    case 'lower':
      return goPrint(arg(rest[0])).toLowerCase();
    case 'len': {
      const value = arg(rest[0]);
      return Array.isArray(value) ? value.length : value && typeof value === 'object' ? Object.keys(value).length : String(value ?? '').length;
    }
    default:
      if (head.startsWith('.') && rest.length === 0) {
        const value = lookup(data, head);
        return value === null ? (options.nilAs?.[head.slice(head.lastIndexOf('.') + 1)] ?? null) : value;
      }
      throw new UserError(`template: function "${head}" not defined`);
  }
}

/** Renders `template` for one object (as `--format` does for each inspected object). */
export function renderTemplate(template: string, data: unknown, options: TemplateOptions = {}): string {
  return template.replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (_, action: string) => {
    const value = evaluate(action, data, options);
    return typeof value === 'string' ? value : goPrint(value);
  });
}
