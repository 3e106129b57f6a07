// Image references with Docker's normalisation: `busybox` → `docker.io/library/busybox:latest`,
// `localhost:5000/a/b:tag`, `name@sha256:…`; the grammar and error texts follow distribution/reference.
import { UserError } from '../errors.js';

export interface ImageReference {
  /** Registry host, e.g. "docker.io", "localhost:5000". */
  domain: string;
  /** Repository path without the domain, e.g. "library/busybox". */
  path: string;
  tag: string | undefined;
  digest: `sha256:${string}` | undefined;
}

const defaultDomain = 'docker.io';
const legacyDefaultDomain = 'index.docker.io';
const maxNameLength = 255;

const alphaNumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphaNumeric}(?:${separator}${alphaNumeric})*`;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const ipv6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainName = `(?:${domainComponent}(?:\\.${domainComponent})*|${ipv6})(?::[0-9]+)?`;
const tagPattern = '[\\w][\\w.-]{0,127}';
const digestPattern = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';

// Uppercase path components are matched here so the "must be lowercase" error can be told apart.
const looseComponent = `[a-zA-Z0-9]+(?:${separator}[a-zA-Z0-9]+)*`;
const referencePattern = new RegExp(
  `^((?:${domainName}/)?${looseComponent}(?:/${looseComponent})*)(?::(${tagPattern}))?(?:@(${digestPattern}))?$`,
);
const domainPattern = new RegExp(`^${domainName}$`);
const pathPattern = new RegExp(`^${pathComponent}(?:/${pathComponent})*$`);
const fullHexPattern = /^[a-f0-9]{64}$/;

function invalid(detail?: string): UserError {
  return new UserError(detail ? `invalid reference format: ${detail}` : 'invalid reference format');
}

/** Splits a name's first component off as the domain when it looks like one (has . or :, or is localhost). */
function splitDomain(name: string): { domain: string; path: string } {
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  let domain = defaultDomain;
  let path = name;
  if (slash !== -1 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase())) {
    domain = first;
    path = name.slice(slash + 1);
  }
  if (domain === legacyDefaultDomain) domain = defaultDomain;
  if (domain === defaultDomain && !path.includes('/')) path = `library/${path}`;
  return { domain, path };
}

/** Parses and normalises a reference; a bare name gets the tag "latest" unless a digest is given. */
export function parseReference(text: string): ImageReference {
  if (text.length === 0) throw invalid();
  if (fullHexPattern.test(text)) {
    throw invalid(`repository name (library/${text}) cannot be 64-byte hexadecimal strings`);
  }
  const match = referencePattern.exec(text);
  if (!match) throw invalid();
  const name = match[1] as string;
  const { domain, path } = splitDomain(name);
  if (path !== path.toLowerCase()) throw invalid(`repository name (${path}) must be lowercase`);
  if (!domainPattern.test(domain) || !pathPattern.test(path)) throw invalid();
  if (`${domain}/${path}`.length > maxNameLength) throw invalid(`repository name must not be more than ${maxNameLength} characters`);
  const digest = match[3] as `sha256:${string}` | undefined;
  if (digest !== undefined && !/^sha256:[a-f0-9]{64}$/.test(digest)) throw invalid();
  const tag = match[2] ?? (digest === undefined ? 'latest' : undefined);
  return { domain, path, tag, digest };
}

/** True when `text` names a repository only ("busybox", "localhost:5000/a"): no tag, no digest. */
export function isNameOnly(text: string): boolean {
  return !text.includes('@') && !(text.split('/').at(-1) as string).includes(':');
}

/** Parses a reference and insists it names a tag (for `tag`, `import REF`, `build -t`). */
export function parseTagReference(text: string): ImageReference & { tag: string } {
  const ref = parseReference(text);
  if (ref.digest !== undefined || ref.tag === undefined) throw invalid();
  return ref as ImageReference & { tag: string };
}

/** "docker.io/library/busybox" */
export function repositoryName(ref: Pick<ImageReference, 'domain' | 'path'>): string {
  return `${ref.domain}/${ref.path}`;
}

/** Canonical text: "docker.io/library/busybox:latest", "docker.io/library/busybox@sha256:…". */
export function formatReference(ref: ImageReference): string {
  let out = repositoryName(ref);
  if (ref.tag !== undefined) out += `:${ref.tag}`;
  if (ref.digest !== undefined) out += `@${ref.digest}`;
  return out;
}

/** Docker's short display form of a repository: "busybox", "me/app", "localhost:5000/a/b". */
export function familiarRepository(ref: Pick<ImageReference, 'domain' | 'path'>): string {
  if (ref.domain !== defaultDomain) return repositoryName(ref);
  return ref.path.startsWith('library/') && ref.path.split('/').length === 2 ? ref.path.slice('library/'.length) : ref.path;
}

/** "busybox:latest", as `docker images` and RepoTags print it. */
export function familiarReference(ref: ImageReference): string {
  let out = familiarRepository(ref);
  if (ref.tag !== undefined) out += `:${ref.tag}`;
  if (ref.digest !== undefined) out += `@${ref.digest}`;
  return out;
}
