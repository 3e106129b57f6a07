// Wildcards in COPY/ADD sources with Go's filepath.Match rules (what BuildKit uses): `*` and `?` never
// cross a `/`, `[a-z]` / `[^a-z]` classes, `\` escapes; a leading dot needs no special match.

export function hasWildcard(path: string): boolean {
  return /[*?[\\]/.test(path);
}

/** A matcher for one path component (no `/` inside). */
export function compileComponent(pattern: string): (name: string) => boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern[++i] as string);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) throw new Error(`syntax error in pattern: ${pattern}`);
      let body = pattern.slice(i + 1, end);
      const negated = body.startsWith('^') || body.startsWith('!');
      if (negated) body = body.slice(1);
      source += `[${negated ? '^' : ''}${body.replace(/[\]\\]/g, (m) => `\\${m}`)}]`;
      i = end;
    } else source += escapeRegExp(c);
  }
  const regex = new RegExp(`^${source}$`, 's');
  return (name) => regex.test(name);
}

/** `\*` → `*`: a component without wildcards, as a file name. */
export function unescapeComponent(component: string): string {
  return component.replace(/\\(.)/g, '$1');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
