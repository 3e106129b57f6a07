// What a check finds: a rule broken at a Dockerfile line, with BuildKit's message and documentation link.
import type { Range } from '../../../grammar/index.js';
import { ruleUrl, type CheckRule } from './rules.js';

export interface CheckWarning {
  rule: string;
  message: string;
  url: string;
  /** The instruction's range in the Dockerfile. */
  range: Range;
}

export type Report = <A extends unknown[]>(rule: CheckRule<A>, at: { range: Range }, args: A) => void;

/** A Report that collects into `warnings`. */
export function collectInto(warnings: CheckWarning[]): Report {
  return (rule, at, args) => warnings.push({ rule: rule.name, message: rule.message(...args), url: ruleUrl(rule.name), range: at.range });
}

/** A Report for a stage the build does not dispatch: what BuildKit finds only while dispatching is dropped. */
export function parsingRulesOnly(report: Report): Report {
  return (rule, at, args) => {
    if (!rule.atDispatch) report(rule, at, args);
  };
}
