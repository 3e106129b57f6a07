// What a check finds: a rule broken at a Dockerfile line, with BuildKit's message and documentation link.
import type { Range } from '../../../grammar/index.js';
import { configForComments, ruleRuns, type CheckConfig } from './check-config.js';
import { ruleUrl, type CheckRule } from './rules.js';

export interface CheckWarning {
  rule: string;
  message: string;
  url: string;
  /** The instruction's range in the Dockerfile. */
  range: Range;
}

/** Where a warning points; `comments`: those above the instruction, where `# check=skip=…` may turn it off. */
export interface Place {
  range: Range;
  comments?: readonly string[];
}

/** `governedBy`: the instruction whose comments decide, when it is not `at` (the later of repeated CMDs). */
export type Report = <A extends unknown[]>(rule: CheckRule<A>, at: Place, args: A, governedBy?: Place) => void;

/** A Report that collects into `warnings` what `config` runs, with what a `# check=…` comment above the instruction adds. */
export function collectInto(warnings: CheckWarning[], config: CheckConfig): Report {
  return (rule, at, args, governedBy = at) => {
    const governing = rule.fileConfigOnly ? config : configForComments(config, governedBy.comments ?? []);
    if (!ruleRuns(governing, rule.name, rule.experimental)) return;
    warnings.push({ rule: rule.name, message: rule.message(...args), url: ruleUrl(rule.name), range: at.range });
  };
}

/** A Report for a stage the build does not dispatch: what BuildKit finds only while dispatching is dropped. */
export function parsingRulesOnly(report: Report): Report {
  return (rule, at, args, governedBy) => {
    if (!rule.atDispatch) report(rule, at, args, governedBy);
  };
}

/** A Report for an ONBUILD trigger of the base image: BuildKit parses triggers without its linter, so only what it finds while dispatching. */
export function dispatchRulesOnly(report: Report): Report {
  return (rule, at, args, governedBy) => {
    if (rule.atDispatch) report(rule, at, args, governedBy);
  };
}
