// HTTP(S) GET that follows redirects, on node's http/https clients rather than fetch: only they take extra
// trusted CA certificates at run time on Node 20, and src/cli/tsbuild.sh hands NODE_EXTRA_CA_CERTS over to
// tsbuild that way (Node would otherwise parse the whole file at every start-up, TLS or not).
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';

/**
 * node's http, https and tls are loaded on use: they cost every build a few ms, and few builds fetch anything.
 * Through require, not import(): the CLI bundle is a script compiled by the launcher, which has no import().
 */
const requireBuiltin = createRequire(import.meta.url);

export interface GetOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  /** A PEM file of CA certificates trusted besides Node's own. */
  extraCaFile?: string | undefined;
}

/** As fetch and browsers: more hops than this is a loop. */
const maxRedirects = 20;
const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/** The final response (any status) once redirects are followed; the caller reads or discards its body. */
export async function httpGet(url: string, options: GetOptions = {}): Promise<IncomingMessage> {
  let target = new URL(url);
  for (let hops = 0; ; hops++) {
    const response = await getOnce(target, options);
    const location = response.headers.location;
    if (location === undefined || !redirectStatuses.has(response.statusCode ?? 0)) return response;
    response.resume();
    if (hops === maxRedirects) throw new Error(`more than ${maxRedirects} redirects`);
    target = new URL(location, target);
  }
}

async function getOnce(target: URL, options: GetOptions): Promise<IncomingMessage> {
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error(`unsupported protocol ${target.protocol}`);
  const secure = target.protocol === 'https:';
  const client = secure ? (requireBuiltin('node:https') as typeof import('node:https')) : (requireBuiltin('node:http') as typeof import('node:http'));
  const trust = secure ? trustOptions(options.extraCaFile) : {};
  return new Promise((resolve, reject) => {
    const request = client.get(target, { headers: options.headers, ...(options.signal ? { signal: options.signal } : {}), ...trust }, resolve);
    request.on('error', reject);
  });
}

let extraCa: { file: string; ca: string[] } | undefined;

/** Node's CAs plus the file's, read once per process; nothing (Node's defaults) without a file. */
function trustOptions(file: string | undefined): { ca?: string[] } {
  if (file === undefined) return {};
  if (extraCa?.file !== file) extraCa = { file, ca: [...(requireBuiltin('node:tls') as typeof import('node:tls')).rootCertificates, readFileSync(file, 'utf8')] };
  return { ca: extraCa.ca };
}
