// Checks on the instructions of each stage: keyword casing against the file's majority, shell-form
// CMD/ENTRYPOINT, MAINTAINER, repeated CMD/ENTRYPOINT/HEALTHCHECK, legacy `ENV k v`, relative WORKDIR
// before any absolute one, secret-looking ARG/ENV names, and EXPOSE forms Docker never honours.
import type { Instruction } from '../../../grammar/index.js';
import { rules } from './rules.js';
import type { CheckedStage } from './stages.js';
import { parsingRulesOnly, type Report } from './report.js';

export function checkInstructions(stages: CheckedStage[], report: Report): void {
  checkKeywordCasing(stages, report);
  const absoluteWorkdir = new Map<string, boolean>();
  for (const stage of stages) {
    const stageReport = stage.dispatched ? report : parsingRulesOnly(report);
    // FROM <stage> starts where that stage ended, WORKDIR included.
    let hasAbsoluteWorkdir = absoluteWorkdir.get(stage.from.image.value.toLowerCase()) ?? false;
    const lastOnce = new Map<string, Instruction>();
    for (const instruction of stage.instructions) {
      checkOne(instruction, stageReport);
      if (instruction.keyword === 'CMD' || instruction.keyword === 'ENTRYPOINT' || instruction.keyword === 'HEALTHCHECK') {
        // Reported at the earlier one, which the later one overrides; BuildKit finds it at the later one.
        const earlier = lastOnce.get(instruction.keyword);
        if (earlier) stageReport(rules.multipleInstructionsDisallowed, earlier, [instruction.keywordText], instruction);
        lastOnce.set(instruction.keyword, instruction);
      }
      if (instruction.keyword === 'WORKDIR') {
        const path = instruction.path.value;
        if (path.startsWith('/') || path.startsWith('$')) hasAbsoluteWorkdir = true;
        else if (!hasAbsoluteWorkdir) stageReport(rules.workdirRelativePath, instruction, [path]);
      }
    }
    if (stage.name !== undefined) absoluteWorkdir.set(stage.name, hasAbsoluteWorkdir);
  }
}

function checkOne(instruction: Instruction, report: Report): void {
  switch (instruction.keyword) {
    case 'CMD':
    case 'ENTRYPOINT':
      if (instruction.command?.kind === 'shell') report(rules.jsonArgsRecommended, instruction, [instruction.keywordText]);
      break;
    case 'MAINTAINER':
      report(rules.maintainerDeprecated, instruction, []);
      break;
    case 'ENV':
    case 'LABEL':
      if (instruction.pairs.some((pair) => pair.legacy)) report(rules.legacyKeyValueFormat, instruction, [instruction.keywordText]);
      if (instruction.keyword === 'ENV') {
        for (const pair of instruction.pairs) if (looksSecret(pair.key.value)) report(rules.secretsUsedInArgOrEnv, instruction, [instruction.keywordText, pair.key.value]);
      }
      break;
    case 'ARG':
      for (const arg of instruction.args) if (looksSecret(arg.name.value)) report(rules.secretsUsedInArgOrEnv, instruction, [instruction.keywordText, arg.name.value]);
      break;
    case 'EXPOSE':
      for (const port of instruction.ports) {
        if (port.value.includes(':')) report(rules.exposeInvalidFormat, instruction, [port.value]);
        const protocol = port.value.split('/')[1];
        if (protocol !== undefined && protocol !== protocol.toLowerCase()) report(rules.exposeProtoCasing, instruction, [port.value]);
      }
      break;
    default:
      break;
  }
}

/** Whole `_`-separated words BuildKit takes for secrets (`AWS_SECRET_ACCESS_KEY`, `GITHUB_TOKEN`), unless marked public. */
const secretWord = /(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)/i;
const publicWord = /(?:_|^)public(?:_|$)/i;

function looksSecret(name: string): boolean {
  return secretWord.test(name) && !publicWord.test(name);
}

/**
 * Keywords written all lower or all upper are counted; the majority (upper on a tie) is the file's casing,
 * and every keyword not in it is reported, mixed-case ones (`Copy`) always.
 */
function checkKeywordCasing(stages: CheckedStage[], report: Report): void {
  const keywords = stages.flatMap((stage) => [stage.from, ...stage.instructions]);
  let lower = 0;
  let upper = 0;
  for (const { keywordText } of keywords) {
    if (keywordText === keywordText.toLowerCase()) lower++;
    else if (keywordText === keywordText.toUpperCase()) upper++;
  }
  const majority = lower > upper ? 'lowercase' : 'uppercase';
  for (const instruction of keywords) {
    const text = instruction.keywordText;
    const matches = majority === 'lowercase' ? text === text.toLowerCase() : text === text.toUpperCase();
    if (!matches) report(rules.consistentInstructionCasing, instruction, [text, majority]);
  }
}
