// Sandbox networking. none: a fresh namespace with only loopback (runc brings lo up). host: the host's
// namespace. bridge: a namespace per sandbox (named as `ip netns` names them; made in-process through
// netlink, native/netns.c) joined to the host bridge tsbuild0 by a veth pair, an address from the
// bridge's private subnet and NAT to the outside (iptables, or nftables where iptables does not work). Addresses are allocated as one file per address (created exclusively, so
// concurrent tsbuild processes cannot collide without a lock). Once the bridge and its NAT rules are in
// place a stamp with the boot id says so, and later processes skip the checks (~20 ms of ip/iptables).
import { createHash, randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readTextIfAny } from '../../cache/index.js';
import { hostAddon } from '../host/addon.js';
import { bootId } from '../snapshot/boot-id.js';
import { lockState } from '../snapshot/state-lock.js';
import { CommandError, runCommand } from '../snapshot/command.js';
import type { CleanupPlan } from './cleanup-plan.js';
import type { NetworkMode } from './executor.js';

export const bridgeName = 'tsbuild0';
export const netnsPrefix = 'tsbuild-';
export const vethPrefix = 'tsbv';
const candidateSubnets = ['10.88', '10.89', '10.90', '10.91', '10.92', '10.93', '10.94', '10.95', '172.30'];

export interface SandboxNetwork {
  /** Namespace to join; undefined = runc makes a new one (none) or none is made (host). */
  netnsPath: string | undefined;
  ip: string | undefined;
  gateway: string | undefined;
}

interface Bridge {
  prefix: string; // first two octets, e.g. "10.88"
  gateway: string;
}

/** Where network state lives: <dir>/ips/<address> files and the bridge lock. */
export class NetworkManager {
  private bridge: Promise<Bridge> | undefined;
  constructor(private readonly dir: string) {}

  get allocationsDir(): string {
    return join(this.dir, 'ips');
  }

  /**
   * Picks the sandbox's address (and registers its cleanup); `connect` then makes the namespace. Split
   * so that the caller can write /etc/hosts meanwhile.
   */
  async allocate(mode: NetworkMode, id: string, plan: CleanupPlan): Promise<SandboxNetwork> {
    if (mode !== 'bridge') return { netnsPath: undefined, ip: undefined, gateway: undefined };
    this.bridge ??= this.ensureBridge().catch((err: unknown) => {
      this.bridge = undefined;
      throw err;
    });
    const bridge = await this.bridge;
    const ip = this.allocateAddress(bridge, id);
    const netnsPath = netnsPathOf(id);
    // As `ip netns del`: the name goes, and the kernel dismantles the namespace, and the veth pair whose one
    // end lives in it, on its own a few ms later. Addresses are handed out from a random start, so the one
    // freed now is not reused while its veth is still going away.
    await plan.add({ kind: 'remove', path: join(this.allocationsDir, ip) }, { kind: 'remove', path: netnsPath }, { kind: 'unmount', path: netnsPath });
    return { netnsPath, ip, gateway: bridge.gateway };
  }

  /** Creates the namespace of an allocated bridge network: a veth pair into tsbuild0, address, routes (netlink, in-process). */
  async connect(network: SandboxNetwork, id: string): Promise<void> {
    if (network.netnsPath === undefined || network.ip === undefined || network.gateway === undefined) return;
    await hostAddon().createNetns(network.netnsPath, vethName(id), bridgeName, network.ip, 16, network.gateway);
  }

  /** Sync calls, for the reason stampedBridge gives. */
  private allocateAddress(bridge: Bridge, id: string): string {
    mkdirSync(this.allocationsDir, { recursive: true });
    const taken = new Set(readdirSync(this.allocationsDir));
    const start = randomInt(2, 65535);
    for (let i = 0; i < 65533; i++) {
      const n = 2 + ((start - 2 + i) % 65533);
      const ip = `${bridge.prefix}.${n >> 8}.${n & 255}`;
      if ((n & 255) === 0 || (n & 255) === 255 || taken.has(ip)) continue;
      try {
        writeFileSync(join(this.allocationsDir, ip), id, { flag: 'wx' });
        return ip;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    throw new Error(`no free address left on ${bridgeName}`);
  }

  /** The stamp: "<boot id> <prefix>" once tsbuild0, forwarding and NAT were set up in this boot. */
  private get readyStamp(): string {
    return join(this.dir, 'bridge-ready');
  }

  /** The bridge from this boot's stamp, if the bridge still exists. Sync reads: the network is made while the rootfs mounts, and a thread-pool round trip per read delayed it past the mount. */
  private async stampedBridge(): Promise<Bridge | undefined> {
    const [stampBoot, prefix] = readTextIfAny(this.readyStamp).trim().split(' ');
    if (stampBoot !== (await bootId()) || prefix === undefined) return undefined;
    if (!existsSync(`/sys/class/net/${bridgeName}`)) return undefined;
    return { prefix, gateway: `${prefix}.0.1` };
  }

  /** Creates tsbuild0 with a free /16, forwarding and NAT, once per host (idempotent, locked). */
  private async ensureBridge(): Promise<Bridge> {
    const stamped = await this.stampedBridge();
    if (stamped) return stamped;
    await mkdir(this.dir, { recursive: true });
    const release = await lockState(join(this.dir, 'bridge.lock'), { retries: 100, minTimeout: 10, maxTimeout: 100 });
    try {
      const existing = await bridgeAddress();
      const prefix = existing ?? (await pickSubnet());
      const bridge = { prefix, gateway: `${prefix}.0.1` };
      if (existing === undefined) {
        await runCommand('ip', ['-batch', '-'], {
          input: [`link add ${bridgeName} type bridge`, `addr add ${bridge.gateway}/16 dev ${bridgeName}`, `link set ${bridgeName} up`].join('\n'),
        });
      }
      await writeFile('/proc/sys/net/ipv4/ip_forward', '1');
      await enableNat(`${prefix}.0.0/16`);
      const temp = `${this.readyStamp}.${process.pid}`;
      await writeFile(temp, `${await bootId()} ${prefix}\n`);
      await rename(temp, this.readyStamp);
      return bridge;
    } finally {
      await release();
    }
  }
}

/** The sandbox's named namespace, where `ip netns` keeps them. */
function netnsPathOf(id: string): string {
  return `/run/netns/${netnsPrefix}${id}`;
}

export function vethName(id: string): string {
  return `${vethPrefix}${createHash('sha256').update(id).digest('hex').slice(0, 11)}`;
}

async function bridgeAddress(): Promise<string | undefined> {
  try {
    const { stdout } = await runCommand('ip', ['-4', '-o', 'addr', 'show', 'dev', bridgeName]);
    return /inet (\d+\.\d+)\.0\.1\/16/.exec(stdout)?.[1];
  } catch {
    return undefined;
  }
}

/** The first candidate /16 that no route on the host overlaps. */
async function pickSubnet(): Promise<string> {
  const { stdout } = await runCommand('ip', ['-4', '-o', 'route', 'show', 'table', 'all']);
  const used = stdout.split('\n').map((line) => /^(?:\S+ )?(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?/.exec(line)).filter((m) => m !== null);
  const overlaps = (prefix: string): boolean =>
    used.some((m) => {
      const bits = Number(m[2] ?? 32);
      const net = toNumber(m[1] as string);
      const candidate = toNumber(`${prefix}.0.0`);
      const mask = bits >= 16 ? 0xffff0000 : bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      return bits > 0 && ((net & mask) >>> 0) === ((candidate & mask) >>> 0);
    });
  const free = candidateSubnets.find((prefix) => !overlaps(prefix));
  if (!free) throw new Error(`no free private /16 for ${bridgeName} among ${candidateSubnets.join(', ')}`);
  return free;
}

function toNumber(ip: string): number {
  return ip.split('.').reduce((acc, part) => ((acc << 8) | Number(part)) >>> 0, 0);
}

/** Masquerade the subnet and let the bridge forward, with iptables or else nftables. */
async function enableNat(subnet: string): Promise<void> {
  const rules = [
    ['-t', 'nat', 'POSTROUTING', '-s', subnet, '!', '-o', bridgeName, '-j', 'MASQUERADE'],
    ['-t', 'filter', 'FORWARD', '-i', bridgeName, '-j', 'ACCEPT'],
    ['-t', 'filter', 'FORWARD', '-o', bridgeName, '-j', 'ACCEPT'],
  ];
  try {
    for (const [tableFlag, table, chain, ...rule] of rules as [string, string, string, ...string[]][]) {
      try {
        await runCommand('iptables', [tableFlag, table, '-C', chain, ...rule]);
      } catch (err) {
        if (!(err instanceof CommandError) || err.exitCode !== 1) throw err;
        await runCommand('iptables', [tableFlag, table, '-A', chain, ...rule]);
      }
    }
  } catch {
    await runCommand('nft', ['-f', '-'], {
      input: [
        'table ip tsbuild {',
        '  chain postrouting { type nat hook postrouting priority 100; policy accept;',
        `    ip saddr ${subnet} oifname != "${bridgeName}" masquerade }`,
        '  chain forward { type filter hook forward priority 0; policy accept;',
        `    iifname "${bridgeName}" accept; oifname "${bridgeName}" accept }`,
        '}',
      ].join('\n'),
    });
  }
}

/** Allocation files whose sandbox no longer exists (for `system check`). */
export async function readAllocations(dir: string): Promise<{ ip: string; id: string }[]> {
  const ipsDir = join(dir, 'ips');
  const names = await readdir(ipsDir).catch(() => []);
  return Promise.all(names.map(async (ip) => ({ ip, id: (await readFile(join(ipsDir, ip), 'utf8').catch(() => '')).trim() })));
}
