// Image-config Env lists (`KEY=VALUE` strings): lookups and BuildKit's update rule.

/** Name of a `KEY=VALUE` (or bare `KEY`) entry. */
export function envKey(entry: string): string {
  const eq = entry.indexOf('=');
  return eq < 0 ? entry : entry.slice(0, eq);
}

/** Value of the first entry named `key`; a bare `KEY` entry has the value ''. */
export function getEnv(env: readonly string[], key: string): string | undefined {
  const entry = env.find((e) => envKey(e) === key);
  if (entry === undefined) return undefined;
  const eq = entry.indexOf('=');
  return eq < 0 ? '' : entry.slice(eq + 1);
}

/** Replaces the FIRST entry whose name is `key` (later duplicates stay), else appends. Returns a new list. */
export function setEnv(env: readonly string[], key: string, value: string): string[] {
  const result = [...env];
  const index = result.findIndex((e) => envKey(e) === key);
  if (index < 0) result.push(`${key}=${value}`);
  else result[index] = `${key}=${value}`;
  return result;
}
