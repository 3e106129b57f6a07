// EXPOSE port specs as Docker parses them (`[ip:][hostPort:]containerPort[/proto]`, ranges `8000-8002`):
// only the container ports matter to the image config, each as `<port>/<proto>`.
import { isIP } from 'node:net';

export class PortSpecError extends Error {
  override name = 'PortSpecError';
}

/** `0.0.0.0:1234-1235:3333-3334/tcp` → [`3333/tcp`, `3334/tcp`]. */
export function parsePortSpec(spec: string): string[] {
  const { ip, hostPort, containerPart } = splitPortSpec(spec);
  const [proto, containerPort] = splitProto(containerPart);
  if (containerPort === '') throw new PortSpecError(`invalid port: ${JSON.stringify(spec)}: no port specified`);
  if (!protocols.has(proto.toLowerCase())) throw new PortSpecError(`invalid port: ${JSON.stringify(spec)}: invalid proto: ${proto}`);
  const bareIp = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  if (bareIp !== '' && isIP(bareIp) === 0) throw new PortSpecError(`invalid IP address: ${ip}`);
  const range = parsePortRange(containerPort);
  if (range === undefined) throw new PortSpecError(`invalid containerPort: ${containerPort}`);
  if (hostPort !== '' && parsePortRange(hostPort) === undefined) throw new PortSpecError(`invalid hostPort: ${hostPort}`);
  const ports: string[] = [];
  // The protocol may be written in any case (a check warns); the image has it in lower case.
  for (let port = range[0]; port <= range[1]; port++) ports.push(`${port}/${proto.toLowerCase()}`);
  return ports;
}

const protocols = new Set(['tcp', 'udp', 'sctp']);

/** Colon-separated parts: the last is the container port, the one before the host port, the rest the IP. */
function splitPortSpec(spec: string): { ip: string; hostPort: string; containerPart: string } {
  const parts = spec.split(':');
  const containerPart = parts[parts.length - 1] ?? '';
  if (parts.length === 1) return { ip: '', hostPort: '', containerPart };
  const hostPort = parts[parts.length - 2] ?? '';
  return { ip: parts.slice(0, -2).join(':'), hostPort, containerPart };
}

/** `80/udp` → [`udp`, `80`] (`tcp` when none is written); the protocol's case is kept for the check. */
function splitProto(text: string): [proto: string, port: string] {
  const slash = text.indexOf('/');
  const port = slash === -1 ? text : text.slice(0, slash);
  const proto = slash === -1 ? '' : text.slice(slash + 1);
  if (port === '') return ['', ''];
  return [proto === '' ? 'tcp' : proto, port];
}

function parsePortRange(text: string): [number, number] | undefined {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!match) return undefined;
  const start = Number(match[1]);
  const end = match[2] === undefined ? start : Number(match[2]);
  if (start > 65535 || end > 65535 || end < start) return undefined;
  return [start, end];
}
