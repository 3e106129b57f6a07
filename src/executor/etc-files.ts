// The /etc/hosts, /etc/hostname and /etc/resolv.conf a sandbox sees, generated per run the way Docker
// does: a fixed localhost block plus our own name (and --add-host entries) — or for a build step the way
// BuildKit does (its hostname on the loopback line, on any network); the host's resolv.conf,
// except that on a private network a loopback nameserver cannot be reached, so it is dropped and
// Google's public resolvers fill in when nothing is left. Sync calls: three small files on each sandbox's
// start-up path.
import { mkdirSync, writeFileSync } from 'node:fs';
import { readTextIfAny } from '../../cache/index.js';
import { join } from 'node:path';
import type { DnsSettings, NetworkMode } from './executor.js';

export interface EtcFiles {
  hosts: string;
  hostname: string;
  resolvConf: string;
}

const fallbackNameservers = ['8.8.8.8', '8.8.4.4'];

export function hostsFile(hostname: string, ip: string | undefined, extraHosts: { host: string; ip: string }[]): string {
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    ...extraHosts.map((entry) => `${entry.ip}\t${entry.host}`),
  ];
  if (ip !== undefined) lines.push(`${ip}\t${hostname}`);
  return `${lines.join('\n')}\n`;
}

/** BuildKit's /etc/hosts for build steps: the hostname resolves to loopback, then --add-host entries. */
export function buildStepHostsFile(hostname: string, extraHosts: { host: string; ip: string }[]): string {
  return ['127.0.0.1\tlocalhost ' + hostname, '::1\tlocalhost ip6-localhost ip6-loopback', ...extraHosts.map((entry) => `${entry.ip}\t${entry.host}`), ''].join('\n');
}

/**
 * resolv.conf for a sandbox from the host's text. With DNS settings it is rebuilt as Docker rebuilds it:
 * nameserver, search and options lines only, each list given replacing the host's (`search .`: none).
 */
export function sandboxResolvConf(hostText: string, network: NetworkMode, dns?: DnsSettings): string {
  if (dns !== undefined && (dns.servers.length > 0 || dns.search.length > 0 || dns.options.length > 0)) {
    const hostLists = (keyword: string): string[] =>
      hostText.split('\n').flatMap((line) => {
        const words = line.trim().split(/\s+/);
        return words[0] === keyword ? words.slice(1) : [];
      });
    const servers = dns.servers.length > 0 ? dns.servers : hostLists('nameserver').filter((ip) => !isLoopback(ip));
    const search = dns.search.length > 0 ? dns.search : hostLists('search');
    const options = dns.options.length > 0 ? dns.options : hostLists('options');
    const lines = servers.map((ip) => `nameserver ${ip}`);
    if (search.length > 0 && search.join(' ') !== '.') lines.push(`search ${search.join(' ')}`);
    if (options.length > 0) lines.push(`options ${options.join(' ')}`);
    return `${lines.join('\n')}\n`;
  }
  if (network === 'host') return hostText;
  const lines = hostText.split('\n').filter((line) => !isLoopbackNameserver(line));
  if (!lines.some((line) => /^\s*nameserver\s/.test(line))) {
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    lines.push(...fallbackNameservers.map((ip) => `nameserver ${ip}`), '');
  }
  return lines.join('\n');
}

function isLoopbackNameserver(line: string): boolean {
  const match = /^\s*nameserver\s+(\S+)/.exec(line);
  return match !== null && isLoopback(match[1] as string);
}

const isLoopback = (ip: string): boolean => /^127\./.test(ip) || ip === '::1';

/** Makes `dir` with the three files in it and returns their paths. */
export function writeEtcFiles(
  dir: string,
  options: { hostname: string; ip: string | undefined; network: NetworkMode; extraHosts: { host: string; ip: string }[]; dns?: DnsSettings | undefined; style: 'docker' | 'buildkit' },
): EtcFiles {
  const files: EtcFiles = { hosts: join(dir, 'hosts'), hostname: join(dir, 'hostname'), resolvConf: join(dir, 'resolv.conf') };
  const hostResolv = readTextIfAny('/etc/resolv.conf');
  const hosts =
    options.style === 'buildkit'
      ? buildStepHostsFile(options.hostname, options.extraHosts)
      : options.network === 'host'
        ? readTextIfAny('/etc/hosts') + options.extraHosts.map((e) => `${e.ip}\t${e.host}\n`).join('')
        : hostsFile(options.hostname, options.ip, options.extraHosts);
  mkdirSync(dir);
  writeFileSync(files.hosts, hosts);
  writeFileSync(files.hostname, `${options.hostname}\n`);
  writeFileSync(files.resolvConf, sandboxResolvConf(hostResolv, options.network, options.dns));
  return files;
}

