// Checks on the instructions of each stage: keyword casing against the file's majority, shell-form
// CMD/ENTRYPOINT without a SHELL, MAINTAINER, repeated CMD/ENTRYPOINT/HEALTHCHECK, legacy `ENV k v`, a first
// WORKDIR that is relative, secret-looking ARG/ENV names, and EXPOSE forms Docker never honours; the base
// image's ONBUILD triggers get the rules BuildKit applies while dispatching.
import type { Instruction } from '../../../grammar/index.js';
import { rules } from './rules.js';
import type { CheckedStage } from './stages.js';
import { dispatchRulesOnly, parsingRulesOnly, type Place, type Report } from './report.js';

/** What a stage hands on to the stages built FROM it, as BuildKit's dispatch state does. */
interface StageEnd {
  workdirSet: boolean;
  shell: boolean;
}

export function checkInstructions(stages: CheckedStage[], report: Report): void {
  checkKeywordCasing(stages, report);
  const ends = new Map<string, StageEnd>();
  for (const stage of stages) {
    const stageReport = stage.dispatched ? report : parsingRulesOnly(report);
    const parent = ends.get(stage.from.image.value.toLowerCase());
    // Any WORKDIR of this build counts (relative too, so only the first relative one warns); the base image's does not.
    let workdirSet = parent?.workdirSet ?? false;
    let shell = stage.startsWithShell ?? parent?.shell ?? false;
    const lastOnce = new Map<string, Place>();
    // The base image's triggers run first; BuildKit applies only its dispatch-time rules to them, at the FROM,
    // with no comments above them to skip a rule.
    const triggerPlace: Place = { range: stage.from.range };
    const steps = [
      ...stage.triggers.map((instruction) => ({ instruction, place: triggerPlace, report: dispatchRulesOnly(stageReport) })),
      ...stage.instructions.map((instruction) => ({ instruction, place: instruction as Place, report: stageReport })),
    ];
    for (const { instruction, place, report: stepReport } of steps) {
      checkOne(instruction, place, shell, stepReport);
      if (instruction.keyword === 'CMD' || instruction.keyword === 'ENTRYPOINT' || instruction.keyword === 'HEALTHCHECK') {
        // Reported at the earlier one, which the later one overrides; BuildKit finds it at the later one.
        const earlier = lastOnce.get(instruction.keyword);
        if (earlier) stepReport(rules.multipleInstructionsDisallowed, earlier, [instruction.keywordText], place);
        lastOnce.set(instruction.keyword, place);
      }
      if (instruction.keyword === 'WORKDIR') {
        const path = instruction.path.value;
        if (!workdirSet && !path.startsWith('/') && !path.startsWith('$')) stepReport(rules.workdirRelativePath, place, [path]);
        workdirSet = true;
      }
      if (instruction.keyword === 'SHELL') shell = true;
    }
    if (stage.name !== undefined) ends.set(stage.name, { workdirSet, shell });
  }
}

function checkOne(instruction: Instruction, place: Place, shell: boolean, report: Report): void {
  switch (instruction.keyword) {
    case 'CMD':
    case 'ENTRYPOINT':
      // With a SHELL in the config, shell form is what the author chose.
      if (instruction.command?.kind === 'shell' && !shell) report(rules.jsonArgsRecommended, place, [instruction.keywordText]);
      break;
    case 'MAINTAINER':
      report(rules.maintainerDeprecated, place, []);
      break;
    case 'ENV':
    case 'LABEL':
      if (instruction.pairs.some((pair) => pair.legacy)) report(rules.legacyKeyValueFormat, place, [instruction.keywordText]);
      if (instruction.keyword === 'ENV') {
        for (const pair of instruction.pairs) if (looksSecret(pair.key.value)) report(rules.secretsUsedInArgOrEnv, place, [instruction.keywordText, pair.key.value]);
      }
      break;
    case 'ARG':
      for (const arg of instruction.args) if (looksSecret(arg.name.value)) report(rules.secretsUsedInArgOrEnv, place, [instruction.keywordText, arg.name.value]);
      break;
    case 'EXPOSE':
      for (const port of instruction.ports) {
        if (port.value.includes(':')) report(rules.exposeInvalidFormat, place, [port.value]);
        const protocol = port.value.split('/')[1];
        if (protocol !== undefined && protocol !== protocol.toLowerCase()) report(rules.exposeProtoCasing, place, [port.value]);
      }
      break;
    default:
      break;
  }
}

/**
 * Whole `_`-separated words BuildKit takes for secrets (`AWS_SECRET_ACCESS_KEY`, `GITHUB_TOKEN`), unless a word
 * says the value is not the secret itself (`PUBLIC_KEY`, `TOKEN_FILE`, `AUTH_VERSION`).
 */
const secretWord = /(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)/i;
const allowedWord = /(?:_|^)(?:public|file|version)(?:_|$)/i;

function looksSecret(name: string): boolean {
  return secretWord.test(name) && !allowedWord.test(name);
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
