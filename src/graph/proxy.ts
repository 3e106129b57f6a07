// Proxy build args (HTTP_PROXY…): usable in RUN without an ARG line, passed to the process separately
// from its env so they never enter a cache key or the history. Lower case wins when both are given.
export interface ProxyEnv {
  HTTPProxy?: string;
  HTTPSProxy?: string;
  FTPProxy?: string;
  NoProxy?: string;
  AllProxy?: string;
}

const proxyFields: [keyof ProxyEnv, string][] = [
  ['HTTPProxy', 'http_proxy'],
  ['HTTPSProxy', 'https_proxy'],
  ['FTPProxy', 'ftp_proxy'],
  ['NoProxy', 'no_proxy'],
  ['AllProxy', 'all_proxy'],
];

/** Both spellings of every proxy arg name. */
export const proxyArgNames: ReadonlySet<string> = new Set(proxyFields.flatMap(([, lower]) => [lower, lower.toUpperCase()]));

/** The proxy settings in `buildArgs`, or undefined when none is given. */
export function proxyEnvFrom(buildArgs: Readonly<Record<string, string | undefined>>): ProxyEnv | undefined {
  const proxy: ProxyEnv = {};
  let found = false;
  for (const [field, lower] of proxyFields) {
    const value = buildArgs[lower] ?? buildArgs[lower.toUpperCase()];
    if (value !== undefined) {
      proxy[field] = value;
      found = true;
    }
  }
  return found ? proxy : undefined;
}
