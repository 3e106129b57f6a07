// What BuildKit's progress shows for a step that makes an op, before the `[stage i/n]` prefix: the logical
// line with the stage's variables expanded — RUN keeping quotes and unset variables as written and a secret
// mounted as env masked, with a lone heredoc's first line after it; COPY/ADD/WORKDIR expanded as one word —
// keyword upper-cased; FROM an image as the image's full name. Other instructions make no op: text as written.
import { expandWord, ExpandError, type ExpandOptions, type Instruction, type Lookup } from '../../grammar/index.js';
import { formatReference, parseReference } from '../image/reference.js';
import { loneHeredoc } from './dispatch.js';
import type { Step } from './types.js';

export function stepText(instruction: Instruction, step: Step | undefined, lookup: Lookup, escape: '\\' | '`'): string {
  switch (instruction.keyword) {
    case 'RUN': {
      const secretEnv = new Set(step?.kind === 'run' ? step.mounts.flatMap((m) => (m.type === 'secret' && m.env !== undefined ? [m.env] : [])) : []);
      const masked: Lookup = (name) => (secretEnv.has(name) ? '****' : lookup(name));
      const heredoc = loneHeredoc(instruction);
      const text = heredoc === undefined ? instruction.original : `${instruction.original} (${summary(heredoc.content)})`;
      return upperKeyword(expanded(text, masked, { escape, rawQuotes: true, skipUnset: true }));
    }
    case 'COPY':
    case 'ADD':
    case 'WORKDIR':
      return upperKeyword(expanded(instruction.original, lookup, { escape }));
    case 'FROM':
      return step?.kind === 'source' && step.base.kind === 'image' ? `FROM ${fullName(step.base.ref)}` : instruction.original;
    default:
      return instruction.original;
  }
}

/** BuildKit names a step by its text as written when the expansion fails. */
function expanded(text: string, lookup: Lookup, options: ExpandOptions): string {
  try {
    return expandWord(text, lookup, options).value;
  } catch (err) {
    if (err instanceof ExpandError) return text;
    throw err;
  }
}

function upperKeyword(text: string): string {
  const space = text.indexOf(' ');
  return space === -1 ? text.toUpperCase() : text.slice(0, space).toUpperCase() + text.slice(space);
}

/** The body's first non-blank line, `...` when more follow. */
function summary(body: string): string {
  const lines = body.trim().replace(/\r\n/g, '\n').split('\n');
  return lines.length > 1 ? `${lines[0]}...` : (lines[0] as string);
}

/** `busybox` → `docker.io/library/busybox:latest`, as BuildKit names the image it pulls. */
function fullName(ref: string): string {
  const parsed = parseReference(ref);
  return formatReference(parsed.tag === undefined && parsed.digest === undefined ? { ...parsed, tag: 'latest' } : parsed);
}
