// What each op puts into its cache key, as named parts ("command …", "env K=V", "arg K=V",
// "mount cache /root/.cache"), so a miss can be explained part by part. The solver adds the parts it
// owns (the parent result, content checksums of the files a COPY selects). Left out on purpose, as in
// BuildKit: secret and SSH values, cache-mount ids and sharing, proxy variables, extra-host IPs,
// the hostname — none of them change what a step produces.
import { keyItem } from '../../cache/index.js';
import type { CopySpec } from './copy.js';
import { isGitSource } from './git-source.js';
import type { MkdirSpec } from './mkdir.js';
import type { RunMount, RunSpec } from './run.js';

/** Bumped whenever an op's behaviour changes in a way that must invalidate old results. */
export const opsSchemaVersion = 1;

/**
 * Proxy variables are passed to RUN but kept out of its key (BuildKit: testBuiltinArgs), unless the
 * Dockerfile declares them with ARG: then they are build args like any other.
 */
const proxyVariables = new Set(['http_proxy', 'https_proxy', 'ftp_proxy', 'no_proxy', 'all_proxy']);

const nameOf = (entry: string): string => entry.slice(0, entry.indexOf('='));
const isProxy = (entry: string): boolean => proxyVariables.has(nameOf(entry).toLowerCase());

function mountPart(mount: RunMount): string {
  switch (mount.type) {
    case 'cache':
      return `mount cache ${mount.target}${mount.readonly ? ' ro' : ''} uid=${mount.uid} gid=${mount.gid} mode=${mount.mode.toString(8)}${mount.source === '/' ? '' : ` source=${keyItem(mount.source)}`}`;
    case 'tmpfs':
      return `mount tmpfs ${mount.target}${mount.sizeBytes ? ` size=${mount.sizeBytes}` : ''}`;
    case 'bind':
      // The bound content is keyed by the solver (checksum of root+source); here only where it goes.
      return `mount bind ${mount.source} ${mount.target}${mount.readwrite ? ' rw' : ''}`;
    case 'secret':
      return `mount secret ${mount.id} ${mount.target ?? `/run/secrets/${mount.id}`}${mount.env ? ` env=${mount.env}` : ''}`;
    case 'ssh':
      return `mount ssh ${mount.target}`;
    case 'content':
      return `mount file ${mount.target} ${JSON.stringify(mount.content)}`;
  }
}

/** `argNames`: which of `spec.env` come from ARG (named `arg …` so a miss reads "build arg X changed"). */
export function runKeyParts(spec: RunSpec, argNames: ReadonlySet<string>): string[] {
  const env = spec.env.filter((entry) => !isProxy(entry) || argNames.has(nameOf(entry)));
  return [
    `op run v${opsSchemaVersion}`,
    `command ${JSON.stringify(spec.args)}`,
    ...env.map((entry) => (argNames.has(nameOf(entry)) ? `arg ${entry}` : `env ${entry}`)),
    `workdir ${spec.cwd}`,
    `user ${spec.user === '' ? 'root' : spec.user}`,
    ...spec.mounts.map(mountPart),
    `network ${spec.network}`,
    ...(spec.insecure ? ['security insecure'] : []),
    ...spec.extraHosts.map((h) => `host ${h.host}`),
  ];
}

export function copyKeyParts(spec: CopySpec, instruction: 'COPY' | 'ADD'): string[] {
  return [
    `op ${instruction.toLowerCase()} v${opsSchemaVersion}`,
    // A stage or image is keyed by the content of what is taken from it (the solver adds those parts).
    `from ${spec.from.kind === 'context' ? 'context' : 'state'}`,
    ...spec.sources.map((source) => `source ${keyItem(source)}`),
    ...spec.heredocs.map((heredoc) => `heredoc ${heredoc.name} ${JSON.stringify(heredoc.content)}`),
    `dest ${spec.destination}`,
    ...(spec.chown !== undefined ? [`chown ${spec.chown}`] : []),
    ...(spec.chmod !== undefined ? [`chmod ${spec.chmod}`] : []),
    ...spec.exclude.map((pattern) => `exclude ${keyItem(pattern)}`),
    ...(spec.parents ? ['parents'] : []),
    ...(spec.link ? ['link'] : []),
    ...(spec.unpack ? ['unpack'] : []),
    ...(spec.unpackRemote ? ['unpack remote'] : []),
    // For a repository the resolved commit is the key (testAddGitChecksumCache: adding --checksum keeps the hit).
    ...(spec.checksum !== undefined && !spec.sources.some(isGitSource) ? [`checksum ${spec.checksum}`] : []),
  ];
}

export function mkdirKeyParts(spec: MkdirSpec): string[] {
  return [`op mkdir v${opsSchemaVersion}`, `path ${spec.path}`, `user ${spec.user === '' ? 'root' : spec.user}`];
}
