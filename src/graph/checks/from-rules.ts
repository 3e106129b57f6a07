// Checks on FROM lines: stage names (casing, duplicates, reserved words), the casing of `AS` against
// `FROM`, --platform values that are constant or only repeat the default, variables no global ARG declares, and
// images that the global ARGs' defaults alone leave empty or invalid.
import { expandWord, type Dockerfile, type FromInstruction } from '../../../grammar/index.js';
import { parseReference } from '../../image/reference.js';
import { defaultPlatform, platformArgs } from '../platform-args.js';
import { closestMatch } from '../suggest.js';
import { rules } from './rules.js';
import type { CheckedStage } from './stages.js';
import type { Report } from './report.js';

const reservedStageNames = new Set(['scratch', 'context']);

/** Set by the builder for every FROM, declared or not (TARGETSTAGE's value does not matter to these checks). */
const automaticArgs = platformArgs(defaultPlatform, 'default');

export function checkFromLines(ast: Dockerfile, stages: CheckedStage[], report: Report): void {
  const seen = new Set<string>();
  const globalArgs = globalArgNames(ast);
  const defaults = globalArgDefaults(ast);
  const stageNames = new Set<string>();
  for (const { from, name } of stages) {
    checkUndeclaredArgs(from, globalArgs, report);
    checkDefaultImage(from, defaults, stageNames, report);
    if (name !== undefined) stageNames.add(name);
    const written = from.stageName?.value;
    if (written !== undefined && name !== undefined) {
      if (written !== written.toLowerCase()) report(rules.stageNameCasing, from, [written]);
      if (!asCasingMatches(from)) report(rules.fromAsCasing, from, [from.keywordText, from.asKeyword?.value ?? '']);
      if (seen.has(name)) report(rules.duplicateStageName, from, [name]);
      if (reservedStageNames.has(name)) report(rules.reservedStageName, from, [name]);
      seen.add(name);
    }
    checkPlatformFlag(from, name, report);
  }
}

/** ARGs before the first FROM: the only ones a FROM line can use. */
function globalArgNames(ast: Dockerfile): string[] {
  const names: string[] = [];
  for (const instruction of ast.instructions) {
    if (instruction.keyword === 'FROM') break;
    if (instruction.keyword === 'ARG') names.push(...instruction.args.map((arg) => arg.name.value));
  }
  return names;
}

/** Global ARG name → its default value (expanded as BuildKit expands it), over the automatic args; absent without a default. */
function globalArgDefaults(ast: Dockerfile): Map<string, string> {
  const defaults = new Map(automaticArgs);
  for (const instruction of ast.instructions) {
    if (instruction.keyword === 'FROM') break;
    if (instruction.keyword !== 'ARG') continue;
    for (const arg of instruction.args) {
      if (arg.defaultValue === undefined) continue;
      try {
        defaults.set(arg.name.value, expandWord(arg.defaultValue.value, (n) => defaults.get(n)).value);
      } catch {
        // a malformed default is the graph's to report
      }
    }
  }
  return defaults;
}

/** Only a FROM that uses variables: with nothing but the defaults (no --build-arg) it must still name an image. */
function checkDefaultImage(from: FromInstruction, defaults: Map<string, string>, stageNames: Set<string>, report: Report): void {
  const image = from.image.value;
  if (!image.includes('$')) return;
  let resolved: string;
  try {
    resolved = expandWord(image, (n) => defaults.get(n) ?? '').value;
  } catch {
    return;
  }
  if (resolved !== '' && (resolved === 'scratch' || stageNames.has(resolved.toLowerCase()) || isImageReference(resolved))) return;
  report(rules.invalidDefaultArgInFrom, from, [image]);
}

function isImageReference(text: string): boolean {
  try {
    parseReference(text);
    return true;
  } catch {
    return false;
  }
}

function checkUndeclaredArgs(from: FromInstruction, globalArgs: string[], report: Report): void {
  const known = new Set([...globalArgs, ...automaticArgs.keys()]);
  const words = [from.image.value, ...from.flags.filter((flag) => flag.name === 'platform').map((flag) => flag.value ?? '')];
  const undeclared = new Set<string>();
  for (const word of words) {
    try {
      for (const name of expandWord(word, (n) => (known.has(n) ? '' : undefined)).unmatched) undeclared.add(name);
    } catch {
      // a malformed word is the parser's and the graph's to report
    }
  }
  for (const name of undeclared) report(rules.undefinedArgInFrom, from, [name, closestMatch(name, [...known])]);
}

/** A lower-case `from` wants a lower-case `as`, an upper-case `FROM` an upper-case `AS`; mixed `From` is left to instruction casing. */
function asCasingMatches(from: FromInstruction): boolean {
  const as = from.asKeyword?.value;
  if (as === undefined) return true;
  const keyword = from.keywordText;
  if (keyword === keyword.toLowerCase()) return as === as.toLowerCase();
  if (keyword === keyword.toUpperCase()) return as === as.toUpperCase();
  return true;
}

function checkPlatformFlag(from: FromInstruction, stageName: string | undefined, report: Report): void {
  const platform = from.flags.find((flag) => flag.name === 'platform')?.value;
  if (platform === undefined) return;
  if (platform === '$TARGETPLATFORM' || platform === '${TARGETPLATFORM}') {
    report(rules.redundantTargetPlatform, from, [platform]);
    return;
  }
  if (platform.includes('$')) return;
  // A stage named after the platform it pins (`AS build-arm64`) says the constant is meant.
  const [os = '', arch = ''] = platform.split('/');
  if (stageName !== undefined && ((os !== '' && stageName.includes(os)) || (arch !== '' && stageName.includes(arch)))) return;
  report(rules.fromPlatformFlagConstDisallowed, from, [platform]);
}
