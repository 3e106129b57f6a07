// Which checks run: the `# check=skip=…;experimental=…;error=…` directive or BUILDKIT_DOCKERFILE_CHECK for the
// whole file, and a `# check=…` comment right above one instruction, which adds to it for that instruction.

/** Rule names, or every rule. */
export type RuleSet = ReadonlySet<string> | 'all';

export interface CheckConfig {
  skip: RuleSet;
  /** Experimental rules run only when named here. */
  experimental: RuleSet;
  error: boolean;
}

/** A check option BuildKit refuses (it fails the build). */
export class CheckOptionError extends Error {
  override name = 'CheckOptionError';
}

const noRules: RuleSet = new Set();

/**
 * `skip=A,B|all;experimental=C|all;error=true|false`, as BuildKit's ParseLintOptions reads it (at most three
 * `;` parts). Throws CheckOptionError for a part without `=`, an unknown key or an `error` that is no bool.
 */
export function parseCheckConfig(text: string | undefined): CheckConfig {
  const config: CheckConfig = { skip: noRules, experimental: noRules, error: false };
  const trimmed = (text ?? '').trim();
  if (trimmed === '') return config;
  for (const part of splitN(trimmed, ';', 3)) {
    const eq = part.indexOf('=');
    if (eq === -1) throw new CheckOptionError(`invalid check option ${JSON.stringify(part)}`);
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 'skip') config.skip = ruleSet(value);
    else if (key === 'experimental') config.experimental = ruleSet(value);
    else if (key === 'error') config.error = parseGoBool(value, part);
    else throw new CheckOptionError(`invalid check option ${JSON.stringify(key)}`);
  }
  return config;
}

/** The file's config with what the `check=` comment above an instruction adds (the first such comment counts). */
export function configForComments(file: CheckConfig, comments: readonly string[]): CheckConfig {
  const own = commentConfig(comments);
  if (own === undefined) return file;
  return { skip: union(file.skip, own.skip), experimental: union(file.experimental, own.experimental), error: file.error };
}

/** Whether `rule` runs under `config`: an experimental one only when enabled, any other unless skipped. */
export function ruleRuns(config: CheckConfig, rule: string, experimental: boolean): boolean {
  if (experimental) return config.experimental === 'all' || config.experimental.has(rule);
  return !(config.skip === 'all' || config.skip.has(rule));
}

/** A comment line that reads as a directive: a name, `=`, a value. */
const directiveComment = /^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;

/** The value ends at the first space, so a reason may follow (`# check=skip=UndefinedVar // set by CI`); a bad one is ignored. */
function commentConfig(comments: readonly string[]): CheckConfig | undefined {
  for (const comment of comments) {
    const match = directiveComment.exec(comment);
    if (match === null || match[1]?.toLowerCase() !== 'check') continue;
    try {
      return parseCheckConfig(match[2]?.split(' ')[0]);
    } catch (err) {
      if (err instanceof CheckOptionError) return undefined;
      throw err;
    }
  }
  return undefined;
}

function ruleSet(value: string): RuleSet {
  return value === 'all' ? 'all' : new Set(value.split(',').map((name) => name.trim()));
}

function union(a: RuleSet, b: RuleSet): RuleSet {
  return a === 'all' || b === 'all' ? 'all' : new Set([...a, ...b]);
}

/** Go's strings.SplitN: the last part keeps the remaining separators. */
function splitN(text: string, separator: string, n: number): string[] {
  const parts = text.split(separator);
  return parts.length <= n ? parts : [...parts.slice(0, n - 1), parts.slice(n - 1).join(separator)];
}

/** Go's strconv.ParseBool. */
function parseGoBool(value: string, part: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  throw new CheckOptionError(`failed to parse check option ${JSON.stringify(part)}: strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`);
}
