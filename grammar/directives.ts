// Parser directives (`# syntax=`, `# escape=`, `# check=`): recognised only in the comment lines at the very
// top of the file, with BuildKit's rules (an optional `#!` first line; scanning stops at the first other line).
import type { Directive } from './ast.js';

const directiveNames = new Set(['syntax', 'escape', 'check']);
const shebang = /^#!/;

/** A directive found by the scanner, with the file line it came from (1-based). */
export interface FoundDirective {
  name: Directive['name'];
  value: string;
  line: number;
}

/** Feeds lines one at a time, the way the Dockerfile parser meets them. */
export class DirectiveScanner {
  private lineCount = 0;
  private done = false;
  private readonly seen = new Set<string>();
  private readonly pattern: RegExp;

  constructor(commentPrefix: '#' | '//' = '#', startLine = 0) {
    const prefix = commentPrefix === '#' ? '#' : '\\/\\/';
    this.pattern = new RegExp(`^${prefix}\\s*([a-zA-Z][a-zA-Z0-9]*)\\s*=\\s*(.+?)\\s*$`);
    this.lineCount = startLine;
  }

  get finished(): boolean {
    return this.done;
  }

  /** Returns the directive on this line, undefined for none; throws DirectiveError for a repeated one. */
  feed(line: string): FoundDirective | undefined {
    this.lineCount++;
    if (this.done) return undefined;
    if (this.lineCount === 1 && shebang.test(line)) return undefined;
    const match = this.pattern.exec(line);
    const name = match?.[1]?.toLowerCase();
    if (!match || name === undefined || !directiveNames.has(name)) {
      this.done = true;
      return undefined;
    }
    if (this.seen.has(name)) throw new DirectiveError(`only one ${name} parser directive can be used`);
    this.seen.add(name);
    return { name: name as Directive['name'], value: match[2] as string, line: this.lineCount };
  }
}

export class DirectiveError extends Error {}

export function checkEscapeToken(value: string): '\\' | '`' {
  if (value !== '`' && value !== '\\') throw new DirectiveError(`invalid escape token '${value}' does not match \` or \\`);
  return value;
}

export interface DetectedDirective {
  /** The first word of the value (for syntax: the frontend image reference). */
  ref: string;
  /** The whole value. */
  cmdline: string;
  /** 1-based line; undefined for the JSON form. */
  line: number | undefined;
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function scanAll(text: string, prefix: '#' | '//', startLine: number): FoundDirective[] | undefined {
  const scanner = new DirectiveScanner(prefix, startLine);
  const found: FoundDirective[] = [];
  try {
    for (const line of text.split('\n')) {
      if (scanner.finished) break;
      const directive = scanner.feed(line.replace(/[\r\n]+$/, ''));
      if (directive) found.push(directive);
    }
  } catch (error) {
    if (error instanceof DirectiveError) return undefined;
    throw error;
  }
  return found;
}

/**
 * Looks for directive `name` the way BuildKit picks a frontend: `#` comments first; for `syntax` also `//`
 * comments and a JSON object on the first line. Undefined when absent.
 */
export function findDirective(text: string, name: Directive['name']): DetectedDirective | undefined {
  let body = stripBom(text);
  let startLine = 0;
  if (shebang.test(body)) {
    const newline = body.indexOf('\n');
    body = newline === -1 ? '' : body.slice(newline + 1);
    startLine = 1;
  }
  const prefixes: ('#' | '//')[] = name === 'syntax' ? ['#', '//'] : ['#'];
  for (const prefix of prefixes) {
    const hit = scanAll(body, prefix, startLine)?.find((d) => d.name === name);
    if (hit) return { ref: hit.value.split(' ')[0] as string, cmdline: hit.value, line: hit.line };
  }
  if (name === 'syntax') {
    try {
      const json: unknown = JSON.parse(body);
      const value = json !== null && typeof json === 'object' ? (json as Record<string, unknown>)[name] : undefined;
      if (typeof value === 'string') return { ref: value.split(' ')[0] as string, cmdline: value, line: undefined };
    } catch {
      // not JSON: no directive in that form
    }
  }
  return undefined;
}
