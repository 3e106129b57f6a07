// Dockerfile-style config changes for `import -c` (and commit-like commands): the subset of
// instructions Docker accepts there, applied to a ContainerConfig.
import { UserError } from '../errors.js';
import type { ContainerConfig } from './oci.js';

const allowed = ['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'ONBUILD', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR'];

function jsonArray(text: string): string[] | undefined {
  if (!text.startsWith('[')) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  } catch {
    // not JSON: Docker then treats the text as shell form
  }
  return undefined;
}

/** Splits "a=1 b='x y'" into pairs, honouring quotes and backslashes. */
function keyValuePairs(text: string, instruction: string): [string, string][] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  if (words.length > 0 && !(words[0] as string).includes('=')) {
    // Legacy form "ENV key value with spaces".
    const key = words[0] as string;
    return [[key, text.trim().slice(key.length).trim()]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new UserError(`${instruction} names must be of the form key=value: ${w}`);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

/** Applies each change line ("CMD [\"sh\"]", "ENV A=1", …) to a copy of `config`. */
export function applyConfigChanges(config: ContainerConfig, changes: string[]): ContainerConfig {
  const out: ContainerConfig = structuredClone(config);
  for (const line of changes) {
    const match = /^\s*(\S+)\s*(.*)$/s.exec(line);
    const keyword = match?.[1]?.toUpperCase() ?? '';
    const rest = (match?.[2] ?? '').trim();
    if (!allowed.includes(keyword)) throw new UserError(`${keyword || line} is not a valid change command`);
    switch (keyword) {
      case 'CMD':
      case 'ENTRYPOINT': {
        const value = jsonArray(rest) ?? ['/bin/sh', '-c', rest];
        if (keyword === 'CMD') out.Cmd = value;
        else out.Entrypoint = value;
        break;
      }
      case 'ENV': {
        const env = out.Env ?? [];
        for (const [key, value] of keyValuePairs(rest, 'ENV')) {
          const index = env.findIndex((e) => e.startsWith(`${key}=`));
          if (index === -1) env.push(`${key}=${value}`);
          else env[index] = `${key}=${value}`;
        }
        out.Env = env;
        break;
      }
      case 'LABEL':
        out.Labels = { ...out.Labels, ...Object.fromEntries(keyValuePairs(rest, 'LABEL')) };
        break;
      case 'EXPOSE':
        out.ExposedPorts = { ...out.ExposedPorts };
        for (const port of rest.split(/\s+/).filter(Boolean)) out.ExposedPorts[port.includes('/') ? port : `${port}/tcp`] = {};
        break;
      case 'VOLUME':
        out.Volumes = { ...out.Volumes };
        for (const path of jsonArray(rest) ?? rest.split(/\s+/).filter(Boolean)) out.Volumes[path] = {};
        break;
      case 'ONBUILD':
        out.OnBuild = [...(out.OnBuild ?? []), rest];
        break;
      case 'STOPSIGNAL':
        out.StopSignal = rest;
        break;
      case 'USER':
        out.User = rest;
        break;
      case 'WORKDIR':
        out.WorkingDir = rest;
        break;
    }
  }
  return out;
}
