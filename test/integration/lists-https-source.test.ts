import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import type { GatewayConfig } from '../../gateway/config/schema.js';
import { ErrorCodes } from '../../gateway/errors.js';
import { createHttpsListSource, type HttpsListSourceOptions } from '../../gateway/lists/https-list-source.js';
import { createListManager } from '../../gateway/lists/list-manager.js';
import { ListFetchError, type ListSource } from '../../gateway/lists/list-source.js';
import { MemoryAuditLog } from '../../gateway/observability/audit.js';
import { createSilentLogger } from '../../gateway/observability/logger.js';
import { MemoryStore } from '../../gateway/storage/memory-store.js';
import { readFixture, whitelistXml } from '../unit/lists/fixtures.js';

/** Throwaway self-signed certificates made with openssl into os.tmpdir(); removed after the run. */
const dir = mkdtempSync(path.join(os.tmpdir(), 'lists-https-'));
function selfSigned(name: string, cn: string, san: string): { cert: string; key: string } {
  const [certFile, keyFile] = [path.join(dir, `${name}.crt`), path.join(dir, `${name}.key`)];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', `/CN=${cn}`, '-addext', `subjectAltName=${san}`, '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}
const server = selfSigned('server', 'localhost', 'DNS:localhost,IP:127.0.0.1');
const client = selfSigned('client', 'gateway.test', 'DNS:gateway.test');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void;
let handler: Handler = (_req, res) => res.end();
let baseUrl = '';
let listServer: https.Server;
const seen: Array<{ ifNoneMatch?: string; clientCn?: string }> = [];

beforeAll(async () => {
  listServer = https.createServer({ ...server, ca: client.cert, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    seen.push({
      ...(req.headers['if-none-match'] === undefined ? {} : { ifNoneMatch: req.headers['if-none-match'] }),
      ...((req.socket as TLSSocket).authorized && peer.subject ? { clientCn: String(peer.subject.CN) } : {}),
    });
    handler(req, res);
  });
  await new Promise<void>((resolve) => listServer.listen(0, '127.0.0.1', resolve));
  baseUrl = `https://localhost:${(listServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  listServer.closeAllConnections();
  await new Promise((resolve) => listServer.close(resolve));
});
beforeEach(() => (seen.length = 0));

const options: HttpsListSourceOptions = { timeoutMs: 2000, maxBytes: 1024 * 1024, ca: server.cert };
const source = (extra: Partial<HttpsListSourceOptions> = {}) => createHttpsListSource(`${baseUrl}/MedMij_Whitelist.xml?api=2`, { ...options, ...extra });
const serveXml = (xml: string, etag = '"v1"'): Handler => (req, res) => {
  if (req.headers['if-none-match'] === etag) return void res.writeHead(304).end();
  res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8', etag }).end(xml);
};
async function refusal(promise: Promise<unknown>): Promise<ListFetchError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ListFetchError);
  expect((error as ListFetchError).code).toBe(ErrorCodes.LIST_FETCH_FAILED);
  return error as ListFetchError;
}

describe('createHttpsListSource', () => {
  it('fetches a list with its ETag and answers not-modified to a matching If-None-Match', async () => {
    handler = serveXml(readFixture('whitelist.xml'));
    const s = source();
    expect(s.description).toBe(`${baseUrl}/MedMij_Whitelist.xml`);
    const first = await s.fetch(AbortSignal.timeout(5000));
    expect(first).toMatchObject({ xml: readFixture('whitelist.xml'), etag: '"v1"' });
    expect(Buffer.concat((first as { readonly utf8: readonly Uint8Array[] }).utf8).toString('utf8')).toBe(readFixture('whitelist.xml'));
    expect(await s.fetch(AbortSignal.timeout(5000), '"v1"')).toBe('not-modified');
    expect(await s.fetch(AbortSignal.timeout(5000), '"v0"')).toMatchObject({ etag: '"v1"' });
    expect(seen.map((x) => x.ifNoneMatch)).toEqual([undefined, '"v1"', '"v0"']);
  });

  it('presents the configured client certificate', async () => {
    handler = serveXml(whitelistXml(1));
    await source({ cert: client.cert, key: client.key }).fetch(AbortSignal.timeout(5000));
    await source().fetch(AbortSignal.timeout(5000));
    expect(seen.map((x) => x.clientCn)).toEqual(['gateway.test', undefined]);
  });

  it('refuses a 50 MB body while it streams, without reading it all', async () => {
    let written = 0;
    let finished = false;
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/xml' }); // chunked: no Content-Length to trust
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (written < 50 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        finished = true;
        res.end();
      };
      pump();
    };
    const error = await refusal(source().fetch(AbortSignal.timeout(10_000)));
    expect(error.message).toMatch(/response exceeds the 1048576-byte cap/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(finished).toBe(false);
    expect(written).toBeLessThan(10 * 1024 * 1024);
  });

  it('refuses a declared Content-Length over the cap before reading the body', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/xml', 'content-length': String(50 * 1024 * 1024) });
      res.write('<Whitelist');
    };
    expect((await refusal(source().fetch(AbortSignal.timeout(5000)))).message).toMatch(/exceeds the 1048576-byte cap \(Content-Length\)/);
  });

  it.each<[string, Handler, RegExp]>([
    ['a wrong Content-Type', (_q, r) => void r.writeHead(200, { 'content-type': 'text/html' }).end(whitelistXml(1)), /Content-Type must be text\/xml or application\/xml/],
    ['a missing Content-Type', (_q, r) => void r.writeHead(200, { 'content-type': '' }).end(whitelistXml(1)), /Content-Type must be/],
    ['a non-UTF-8 charset', (_q, r) => void r.writeHead(200, { 'content-type': 'text/xml; charset=iso-8859-1' }).end(whitelistXml(1)), /only UTF-8/],
    ['a content coding', (_q, r) => void r.writeHead(200, { 'content-type': 'text/xml', 'content-encoding': 'gzip' }).end('x'), /content codings/],
    ['a redirect', (_q, r) => void r.writeHead(302, { location: 'https://elsewhere.test/' }).end(), /status 302 \(redirects are not followed\)/],
    ['a 304 without an ETag asked for', (_q, r) => void r.writeHead(304).end(), /status 304/],
    ['a server error', (_q, r) => void r.writeHead(503).end(), /status 503/],
    ['invalid UTF-8', (_q, r) => void r.writeHead(200, { 'content-type': 'text/xml' }).end(Buffer.from([0x3c, 0xff, 0xfe])), /not valid UTF-8/],
    ['a body cut short', (_q, r) => { r.writeHead(200, { 'content-type': 'text/xml', 'content-length': '1000' }); r.write('<Whitelist'); setTimeout(() => r.socket?.destroy(), 20); }, /connection (lost|closed)/],
  ])('refuses %s', async (_case, h, message) => {
    handler = h;
    expect((await refusal(source().fetch(AbortSignal.timeout(5000)))).message).toMatch(message);
  });

  it('gives up at the deadline', async () => {
    handler = () => undefined; // never answers
    const started = Date.now();
    expect((await refusal(source({ timeoutMs: 300 }).fetch(AbortSignal.timeout(5000)))).message).toMatch(/timed out after 300 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses a server certificate it does not trust', async () => {
    handler = serveXml(whitelistXml(1));
    const { ca: _ca, ...untrusting } = options;
    const error = await refusal(createHttpsListSource(`${baseUrl}/x.xml`, untrusting).fetch(AbortSignal.timeout(5000)));
    expect(error.message).toMatch(/request failed: (DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)/);
  });

  it('refuses http and credentials in the URL', () => {
    expect(() => createHttpsListSource('http://lists.test/x.xml', options)).toThrow(/https only/);
    expect(() => createHttpsListSource('https://u:p@lists.test/x.xml', options)).toThrow(/credentials/);
  });
});

describe('list manager over HTTPS', () => {
  it('keeps the last good list in force when the next answer is 50 MB, and uses the ETag path', async () => {
    const list = { source: `${baseUrl}/MedMij_Whitelist.xml`, refreshSeconds: 900, maxAgeSeconds: 3600 };
    const config: GatewayConfig['lists'] = { whitelist: list, oauthClientList: list, zorgaanbiederslijst: list, gegevensdienstnamenlijst: list, fetch: { timeoutMs: 5000, maxBytes: 1024 * 1024 } };
    const idle: ListSource = { description: 'idle', fetch: async () => { throw new ListFetchError('not under test'); } };
    const audit = new MemoryAuditLog();
    const manager = createListManager({
      config, store: new MemoryStore(), audit, log: createSilentLogger(),
      sourceFor: (kind) => (kind === 'whitelist' ? source() : idle),
    });
    try {
      handler = serveXml(whitelistXml(7, ['pgo.listed.test']), '"w7"');
      await manager.start();
      expect(manager.current('whitelist')?.volgnummer).toBe(7);
      expect(await manager.refresh('whitelist')).toMatchObject({ result: 'unchanged', why: 'not-modified' });
      expect(seen.slice(-2).map((x) => x.ifNoneMatch)).toEqual([undefined, '"w7"']);

      handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/xml' });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const pump = () => {
          for (let i = 0; i < 800; i++) if (!res.write(chunk)) return void res.once('drain', pump);
          res.end();
        };
        pump();
      };
      const outcome = await manager.refresh('whitelist');
      expect(outcome).toMatchObject({ result: 'refused', code: ErrorCodes.LIST_FETCH_FAILED, reason: expect.stringMatching(/exceeds the 1048576-byte cap/) });
      expect(manager.current('whitelist')?.has('pgo.listed.test')).toBe(true);
      expect(audit.ofType('medmij_list_refused').filter((e) => e.detail?.startsWith('whitelist'))).toHaveLength(1);
    } finally {
      manager.stop();
    }
  });
});
