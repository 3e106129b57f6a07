// BuildKit's build checks over a parsed Dockerfile: the rules (rules.ts) applied per FROM line and per
// instruction, plus the undefined variables that dispatch found (UndefinedVar), minus what `# check=skip=…`
// (or the BUILDKIT_DOCKERFILE_CHECK build arg, which replaces the directive) turns off, for the file or for
// the instruction below the comment; `error=true` makes any warning fail the build.
import type { Diagnostic, Dockerfile, IgnoreRules } from '../../../grammar/index.js';
import { UserError } from '../../errors.js';
import { dockerfileError } from '../source-ref.js';
import type { InstructionGraph } from '../types.js';
import { CheckOptionError, parseCheckConfig, type CheckConfig } from './check-config.js';
import { checkIgnoredCopies } from './copy-rules.js';
import { checkDefinitionDescriptions } from './description-rules.js';
import { checkFromLines } from './from-rules.js';
import { checkInstructions } from './instruction-rules.js';
import { collectInto, type CheckWarning } from './report.js';
import { rules } from './rules.js';
import { stagesOf } from './stages.js';

export type { CheckWarning } from './report.js';

export interface CheckResult {
  /** In Dockerfile order. */
  warnings: CheckWarning[];
  /** `error=true`: a build with warnings must fail. */
  failOnWarnings: boolean;
}

/** What the checks read from the build's dispatch: the stages it built, their steps, the undefined variables it met. */
export type DispatchedGraph = Pick<InstructionGraph, 'stages' | 'nodes' | 'undefinedVars'>;

/**
 * `parserWarnings`: the parser's own diagnostics, of which empty continuation lines are a check. `ignore`: the
 * build's .dockerignore rules, for CopyIgnoredFile.
 * `dispatched`: the build's graph. With it, rules BuildKit applies while dispatching are reported only in the
 * stages the build dispatched, and UndefinedVar (which needs the base images' Env) from what dispatch met;
 * without it, the Dockerfile text alone is judged, every stage.
 */
export function runChecks(
  ast: Dockerfile,
  buildArgs: Record<string, string | undefined>,
  parserWarnings: Diagnostic[] = [],
  dispatched?: DispatchedGraph,
  ignore?: IgnoreRules,
): CheckResult {
  const config = checkConfig(ast, buildArgs);
  const warnings: CheckWarning[] = [];
  const report = collectInto(warnings, config);
  const stages = stagesOf(ast, dispatched?.stages);
  checkFromLines(ast, stages, report);
  checkInstructions(stages, report);
  for (const diagnostic of parserWarnings) if (diagnostic.code === 'empty-continuation') report(rules.noEmptyContinuation, diagnostic, []);
  for (const use of dispatched?.undefinedVars ?? []) report(rules.undefinedVar, use, [use.name, use.suggestion]);
  if (dispatched !== undefined && ignore !== undefined) checkIgnoredCopies(ast, dispatched.nodes, ignore, report);
  checkDefinitionDescriptions(ast, report);
  warnings.sort((a, b) => a.range.start.offset - b.range.start.offset);
  return { warnings, failOnWarnings: config.error };
}

/** BUILDKIT_DOCKERFILE_CHECK replaces the file's `# check=` directive; a bad value fails the build, as in BuildKit. */
function checkConfig(ast: Dockerfile, buildArgs: Record<string, string | undefined>): CheckConfig {
  const fromArg = buildArgs['BUILDKIT_DOCKERFILE_CHECK'];
  const directive = ast.directives.find((d) => d.name === 'check');
  try {
    return parseCheckConfig(fromArg ?? directive?.value);
  } catch (err) {
    if (!(err instanceof CheckOptionError)) throw err;
    if (fromArg !== undefined || directive === undefined) throw new UserError(`failed to parse build-arg:BUILDKIT_DOCKERFILE_CHECK: ${err.message}`, { cause: err });
    throw dockerfileError(`failed to parse check options: ${err.message}`, ast.file, directive.range, err);
  }
}
