// The one table of instruction flags (name, value kind, repeatable, allowed values) and the check every
// instruction's flags go through, so a bad flag fails the same way on every instruction.
import type { Flag, Keyword } from './ast.js';
import { parseGoDuration } from './duration.js';
import { closest } from './suggest.js';

export type FlagValueKind = 'string' | 'bool' | 'duration' | 'int';

export interface FlagSpec {
  name: string;
  kind: FlagValueKind;
  repeatable: boolean;
  /** When set, the only values accepted. */
  allowed?: readonly string[];
}

const valueFlag = (name: string, allowed?: readonly string[]): FlagSpec => ({ name, kind: 'string', repeatable: false, ...(allowed ? { allowed } : {}) });
const listFlag = (name: string): FlagSpec => ({ name, kind: 'string', repeatable: true });
const boolFlag = (name: string): FlagSpec => ({ name, kind: 'bool', repeatable: false });
const durationFlag = (name: string): FlagSpec => ({ name, kind: 'duration', repeatable: false });

export const instructionFlags: Readonly<Record<Keyword, readonly FlagSpec[]>> = {
  FROM: [valueFlag('platform')],
  RUN: [listFlag('mount'), valueFlag('network', ['default', 'none', 'host']), valueFlag('security', ['insecure', 'sandbox'])],
  ADD: [valueFlag('chown'), valueFlag('chmod'), boolFlag('link'), valueFlag('checksum'), boolFlag('keep-git-dir'), boolFlag('unpack'), listFlag('exclude')],
  COPY: [valueFlag('from'), valueFlag('chown'), valueFlag('chmod'), boolFlag('link'), boolFlag('parents'), listFlag('exclude')],
  HEALTHCHECK: [
    durationFlag('interval'),
    durationFlag('timeout'),
    durationFlag('start-period'),
    durationFlag('start-interval'),
    { name: 'retries', kind: 'int', repeatable: false },
  ],
  CMD: [],
  LABEL: [],
  MAINTAINER: [],
  EXPOSE: [],
  ENV: [],
  ENTRYPOINT: [],
  VOLUME: [],
  USER: [],
  WORKDIR: [],
  ARG: [],
  ONBUILD: [],
  STOPSIGNAL: [],
  SHELL: [],
};

/** Shortest interval HEALTHCHECK accepts (other than 0, which means "default"). */
const minimumHealthcheckDuration = 1e6;

export interface FlagProblem {
  flag: Flag;
  message: string;
  hint?: string;
  /** Points at the value rather than the whole flag. */
  atValue: boolean;
}

function valueProblem(spec: FlagSpec, flag: Flag): string | undefined {
  const value = flag.value;
  if (spec.kind === 'bool') {
    // Bare `--link` means true; `--link=` is a missing value, as in BuildKit.
    if (value === undefined || /^(true|false)$/i.test(value)) return undefined;
    if (value === '') return `missing a value on flag: --${spec.name}`;
    return `expecting boolean value for flag --${spec.name}, not: ${value}`;
  }
  if (value === undefined) return `missing a value on flag: --${spec.name}`;
  if (spec.allowed && !spec.allowed.includes(value)) {
    return `unsupported value for flag --${spec.name}: '${value}' (allowed: ${spec.allowed.join(', ')})`;
  }
  if (spec.kind === 'int' && !/^-?\d+$/.test(value)) return `invalid value for flag --${spec.name}: '${value}' is not an integer`;
  if (spec.kind === 'int' && Number(value) < 0) return `--${spec.name} cannot be negative (${value})`;
  if (spec.kind === 'duration' && value !== '') {
    const nanoseconds = parseGoDuration(value);
    if (nanoseconds === undefined) return `time: invalid duration "${value}"`;
    if (nanoseconds !== 0 && nanoseconds < minimumHealthcheckDuration) {
      return `Interval "${spec.name}" cannot be less than 1ms`;
    }
  }
  return undefined;
}

/** Every problem with the flags given to `keyword`: unknown, repeated, missing or invalid values. */
export function checkFlags(keyword: Keyword, flags: readonly Flag[]): FlagProblem[] {
  const specs = instructionFlags[keyword];
  const problems: FlagProblem[] = [];
  const seen = new Set<string>();
  for (const flag of flags) {
    const spec = specs.find((s) => s.name === flag.name);
    if (!spec) {
      const near = closest(flag.name, specs.map((s) => s.name));
      problems.push({ flag, message: `unknown flag: --${flag.name}`, ...(near ? { hint: `did you mean --${near}?` } : {}), atValue: false });
      continue;
    }
    if (!spec.repeatable && seen.has(spec.name)) {
      problems.push({ flag, message: `duplicate flag specified: --${spec.name}`, atValue: false });
      continue;
    }
    seen.add(spec.name);
    const message = valueProblem(spec, flag);
    if (message) problems.push({ flag, message, atValue: flag.value !== undefined && flag.value !== '' });
  }
  return problems;
}
