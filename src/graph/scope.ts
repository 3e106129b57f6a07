// Variable scopes: the global ARGs seen by FROM, and per stage the ENV list plus declared ARGs that
// expansion and RUN environments read (ENV wins over an ARG of the same name, as in BuildKit).
import { ExpandError, expandWord, expandWords, type Lookup, type Word } from '../../grammar/index.js';
import { getEnv } from './env-list.js';
import { dockerfileError } from './source-ref.js';

/** Names an expansion looked up and did not find, in first-use order. */
export type UnmatchedListener = (names: string[]) => void;

/**
 * Expands one word, turning expansion errors into DockerfileErrors at the word. `onUnmatched` hears the
 * names no lookup found (BuildKit's UndefinedVar check reads them) when there are any.
 */
export function expandValue(word: Word, lookup: Lookup, file: string, escape: '\\' | '`', onUnmatched?: UnmatchedListener): string {
  try {
    const { value, unmatched } = expandWord(word.value, lookup, { escape });
    if (unmatched.length > 0) onUnmatched?.(unmatched);
    return value;
  } catch (err) {
    if (err instanceof ExpandError) throw dockerfileError(err.reason, file, word.range, err);
    throw err;
  }
}

/**
 * A COPY/ADD --from value, which BuildKit takes only as written: one that expansion would change (a `$` or an
 * escape in it) is an error, as in BuildKit, rather than silently a name with a `$` in it.
 */
export function literalFromValue(word: Word, file: string, escape: '\\' | '`'): string {
  if (expandValue(word, () => undefined, file, escape) !== word.value) {
    throw dockerfileError('variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround', file, word.range);
  }
  return word.value;
}

/** Expands and field-splits one word (EXPOSE `$PORTS` → several ports). */
export function expandFields(word: Word, lookup: Lookup, file: string, escape: '\\' | '`'): string[] {
  try {
    return expandWords(word.value, lookup, { escape });
  } catch (err) {
    if (err instanceof ExpandError) throw dockerfileError(err.reason, file, word.range, err);
    throw err;
  }
}

/** ARGs declared in one scope, in declaration order; a declared ARG without a value maps to undefined. */
export class ArgScope {
  readonly #values: Map<string, string | undefined>;

  /** `inherited`: a stage built FROM another starts with that stage's ARGs, as BuildKit carries them over. */
  constructor(inherited?: ArgScope) {
    this.#values = inherited === undefined ? new Map() : new Map(inherited.#values);
  }

  declare(name: string, value: string | undefined): void {
    // Re-declaring moves nothing: history lists args in first-seen order with the last value.
    this.#values.set(name, value);
  }

  has(name: string): boolean {
    return this.#values.has(name);
  }

  get(name: string): string | undefined {
    return this.#values.get(name);
  }

  /** Declared args that have a value, in first-declaration order. */
  withValues(): [string, string][] {
    return [...this.#values].filter((entry): entry is [string, string] => entry[1] !== undefined);
  }

  /** Every declared arg name, with or without a value, in first-declaration order (RUN's `|N k=v` history). */
  declared(): string[] {
    return [...this.#values.keys()];
  }
}

/** Lookup for expansion inside a stage: the stage's Env first, then its declared ARGs. */
export function stageLookup(env: () => readonly string[], args: ArgScope): Lookup {
  return (name) => getEnv(env(), name) ?? args.get(name);
}
