// httpGet against real local servers: redirects as fetch follows them, and HTTPS trusting an extra CA file
// (what NODE_EXTRA_CA_CERTS becomes behind the tsbuild launcher) besides Node's own CAs.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpGet } from '../../src/http/get.js';
import { selfSignedCertificate } from '../helpers/tls.js';

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function bodyOf(response: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of response) text += String(chunk);
  return text;
}

describe('httpGet', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbuild-http-'));
  const servers: Server[] = [];
  let plain = '';
  let secure = '';
  let caFile = '';

  beforeAll(async () => {
    const plainServer = createServer((req, res) => {
      if (req.url === '/loop') res.writeHead(302, { Location: '/loop' }).end();
      else if (req.url?.startsWith('/hop/')) res.writeHead(307, { Location: req.url === '/hop/1' ? '/hop/2' : '/final' }).end();
      else res.writeHead(200).end(`plain ${req.url} ${req.headers['user-agent']}`);
    });
    const { certFile, keyFile } = selfSignedCertificate(dir);
    caFile = certFile;
    const secureServer = createTlsServer({ key: readFileSync(keyFile), cert: readFileSync(caFile) }, (_req, res) => res.writeHead(200).end('secure'));
    servers.push(plainServer, secureServer);
    plain = `http://127.0.0.1:${await listen(plainServer)}`;
    secure = `https://127.0.0.1:${await listen(secureServer)}`;
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    rmSync(dir, { recursive: true, force: true });
  });

  it('follows redirects to the final response and sends the given headers', async () => {
    const response = await httpGet(`${plain}/hop/1`, { headers: { 'User-Agent': 'tsbuild' } });
    expect(response.statusCode).toBe(200);
    expect(await bodyOf(response)).toBe('plain /final tsbuild');
  });

  it('gives up on a redirect loop', async () => {
    await expect(httpGet(`${plain}/loop`)).rejects.toThrow('more than 20 redirects');
  });

  it('refuses a certificate no CA vouches for, and accepts it from the extra CA file', async () => {
    await expect(httpGet(secure)).rejects.toThrow(/self[- ]signed certificate/);
    const response = await httpGet(secure, { extraCaFile: caFile });
    expect(await bodyOf(response)).toBe('secure');
  });

  it('refuses other protocols', async () => {
    await expect(httpGet('ftp://127.0.0.1/x')).rejects.toThrow('unsupported protocol ftp:');
  });
});
