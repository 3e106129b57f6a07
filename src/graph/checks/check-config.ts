// Which checks are turned off: the `# check=skip=…;error=…` directive or BUILDKIT_DOCKERFILE_CHECK for the
// whole file, and a `# check=skip=…` comment right above one instruction for that instruction alone.

export interface CheckConfig {
  skip: Set<string> | 'all';
  error: boolean;
}

/** `skip=A,B|all;error=true|false`, as the `# check=` directive and BUILDKIT_DOCKERFILE_CHECK write it. */
export function parseCheckConfig(text: string | undefined): CheckConfig {
  const config: CheckConfig = { skip: new Set(), error: false };
  for (const part of (text ?? '').split(';')) {
    const [key = '', value = ''] = part.split('=', 2).map((s) => s.trim());
    if (key === 'skip') config.skip = value === 'all' ? 'all' : new Set(value.split(',').map((s) => s.trim()).filter((s) => s !== ''));
    else if (key === 'error') config.error = value === 'true';
  }
  return config;
}

/** A comment line that reads as a directive: a name, `=`, a value. */
const directiveComment = /^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;

/**
 * Whether the comments above an instruction skip `rule` there. The first `check=` comment counts; its value
 * ends at the first space, so a reason may follow (`# check=skip=UndefinedVar // set by the CI`).
 */
export function skippedByComment(rule: string, comments: readonly string[]): boolean {
  for (const comment of comments) {
    const match = directiveComment.exec(comment);
    if (match === null || match[1]?.toLowerCase() !== 'check') continue;
    const { skip } = parseCheckConfig(match[2]?.split(' ')[0]);
    return skip === 'all' || skip.has(rule);
  }
  return false;
}
