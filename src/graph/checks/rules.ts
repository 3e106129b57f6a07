// The build-check rules BuildKit runs on every Dockerfile (docs.docker.com/reference/build-checks/): each
// rule's name, its documentation link and its message, worded as BuildKit words them so the output matches.

export interface CheckRule<A extends unknown[]> {
  name: string;
  message: (...args: A) => string;
  /**
   * BuildKit finds it while dispatching a stage's instructions, so a build reports it only in the stages it
   * builds (the other rules are found while parsing, in every stage).
   */
  atDispatch: boolean;
  /**
   * Only the file's `# check=` directive (or BUILDKIT_DOCKERFILE_CHECK) turns it off: BuildKit judges it over
   * the whole file, outside any one instruction, so a comment above an instruction does not.
   */
  fileConfigOnly: boolean;
  /** Runs only when `experimental=` names it (or `all`); `skip=` does not apply to it. */
  experimental: boolean;
}

function rule<A extends unknown[]>(
  name: string,
  message: (...args: A) => string,
  options: { atDispatch?: boolean; fileConfigOnly?: boolean; experimental?: boolean } = {},
): CheckRule<A> {
  return {
    name,
    message,
    atDispatch: options.atDispatch ?? false,
    fileConfigOnly: options.fileConfigOnly ?? false,
    experimental: options.experimental ?? false,
  };
}

/** docs.docker.com/go/dockerfile/rule/<kebab-case name>/ */
export function ruleUrl(name: string): string {
  const kebab = name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2').toLowerCase();
  return `https://docs.docker.com/go/dockerfile/rule/${kebab}/`;
}

export const rules = {
  stageNameCasing: rule('StageNameCasing', (stage: string) => `Stage name '${stage}' should be lowercase`),
  fromAsCasing: rule('FromAsCasing', (from: string, as: string) => `'${as}' and '${from}' keywords' casing do not match`),
  noEmptyContinuation: rule('NoEmptyContinuation', () => 'Empty continuation line', { fileConfigOnly: true }),
  consistentInstructionCasing: rule(
    'ConsistentInstructionCasing',
    (command: string, casing: 'uppercase' | 'lowercase') => `Command '${command}' should match the case of the command majority (${casing})`,
    { fileConfigOnly: true },
  ),
  duplicateStageName: rule('DuplicateStageName', (stage: string) => `Duplicate stage name ${JSON.stringify(stage)}, stage names should be unique`, {
    fileConfigOnly: true,
  }),
  reservedStageName: rule(
    'ReservedStageName',
    (stage: string) => `Stage name should not use the same name as reserved stage ${JSON.stringify(stage)}`,
    { fileConfigOnly: true },
  ),
  jsonArgsRecommended: rule(
    'JSONArgsRecommended',
    (instruction: string) => `JSON arguments recommended for ${instruction} to prevent unintended behavior related to OS signals`,
    { atDispatch: true },
  ),
  maintainerDeprecated: rule('MaintainerDeprecated', () => 'Maintainer instruction is deprecated in favor of using label'),
  workdirRelativePath: rule(
    'WorkdirRelativePath',
    (workdir: string) => `Relative workdir ${JSON.stringify(workdir)} can have unexpected results if the base image changes`,
    { atDispatch: true },
  ),
  multipleInstructionsDisallowed: rule(
    'MultipleInstructionsDisallowed',
    (instruction: string) => `Multiple ${instruction} instructions should not be used in the same stage because only the last one will be used`,
    { atDispatch: true },
  ),
  legacyKeyValueFormat: rule(
    'LegacyKeyValueFormat',
    (instruction: string) => `"${instruction} key=value" should be used instead of legacy "${instruction} key value" format`,
    { atDispatch: true },
  ),
  redundantTargetPlatform: rule(
    'RedundantTargetPlatform',
    (variable: string) => `Setting platform to predefined ${variable} in FROM is redundant as this is the default behavior`,
  ),
  secretsUsedInArgOrEnv: rule(
    'SecretsUsedInArgOrEnv',
    (instruction: string, key: string) => `Do not use ARG or ENV instructions for sensitive data (${instruction} ${JSON.stringify(key)})`,
    { atDispatch: true },
  ),
  fromPlatformFlagConstDisallowed: rule(
    'FromPlatformFlagConstDisallowed',
    (platform: string) => `FROM --platform flag should not use constant value ${JSON.stringify(platform)}`,
  ),
  undefinedArgInFrom: rule(
    'UndefinedArgInFrom',
    (name: string, suggestion: string | undefined) => `FROM argument '${name}' is not declared${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}`,
  ),
  invalidDefaultArgInFrom: rule(
    'InvalidDefaultArgInFrom',
    (image: string) => `Default value for ARG ${image} results in empty or invalid base image name`,
    { fileConfigOnly: true },
  ),
  undefinedVar: rule(
    'UndefinedVar',
    (name: string, suggestion: string | undefined) => `Usage of undefined variable '$${name}'${suggestion === undefined ? '' : ` (did you mean $${suggestion}?)`}`,
    { atDispatch: true },
  ),
  copyIgnoredFile: rule(
    'CopyIgnoredFile',
    (command: 'Copy' | 'Add', file: string) => `Attempting to ${command} file ${JSON.stringify(file)} that is excluded by .dockerignore`,
    { atDispatch: true },
  ),
  invalidDefinitionDescription: rule(
    'InvalidDefinitionDescription',
    (instruction: 'FROM' | 'ARG', name: string) => `Comment for ${instruction} should follow the format: \`# ${name} <description>\``,
    { experimental: true },
  ),
  exposeProtoCasing: rule('ExposeProtoCasing', (port: string) => `Defined protocol '${port}' in EXPOSE instruction should be lowercase`, { atDispatch: true }),
  exposeInvalidFormat: rule(
    'ExposeInvalidFormat',
    (port: string) => `EXPOSE instruction should not define an IP address or host-port mapping, found '${port}'`,
    { atDispatch: true },
  ),
} as const;
