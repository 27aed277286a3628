import { readFile, writeFile } from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * The composed gateway (gateway.ts + app.ts) as `npm start` builds it: real listeners, the
 * generated development PKI, the development lists. The TLS guard itself has its own suite
 * (tls-*.test.ts); this one checks that the composition puts every piece on the right listener.
 */
let gw: TestGateway;
let ca: string;
let listed: { cert: string; key: string };
let unlisted: { cert: string; key: string };

beforeAll(async () => {
  gw = await startTestGateway();
  ca = await readFile(gw.pki.caCert, 'utf8');
  listed = { cert: await readFile(gw.pki.pgoListedCert, 'utf8'), key: await readFile(gw.pki.pgoListedKey, 'utf8') };
  unlisted = { cert: await readFile(gw.pki.pgoUnlistedCert, 'utf8'), key: await readFile(gw.pki.pgoUnlistedKey, 'utf8') };
});

afterAll(async () => {
  await gw?.close();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(url: string, options: https.RequestOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, servername: 'localhost', ...options }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

async function waitFor(predicate: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('operations listener: health, readiness with every check, and metrics', async () => {
  const health = await fetch(`${gw.urls.operations}/health`);
  expect(health.status).toBe(200);
  const ready = await fetch(`${gw.urls.operations}/ready`);
  expect(ready.status).toBe(200);
  const body = (await ready.json()) as { status: string; checks: Array<{ name: string; ok: boolean }> };
  expect(body.status).toBe('ready');
  expect(body.checks.map((c) => c.name).sort()).toEqual(['adapter:demo-ehr', 'lists', 'storage']);
  const metrics = await (await fetch(`${gw.urls.operations}/metrics`)).text();
  expect(metrics).toMatch(/medmij_gateway_list_age_seconds\{list="whitelist"\} \d/);
});

test('a whitelisted PGO certificate reaches the FHIR server on the node interface', async () => {
  const answer = await get(`${gw.urls.node}/fhir/demoziekenhuis/48/metadata`, listed);
  expect(answer.status).toBe(200);
  expect(JSON.parse(answer.body)).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '3.0.2' });
});

test('an unlisted certificate and no certificate are refused on the node interface before HTTP, with audit records', async () => {
  await expect(get(`${gw.urls.node}/fhir/demoziekenhuis/48/metadata`, unlisted)).rejects.toThrow();
  await expect(get(`${gw.urls.node}/fhir/demoziekenhuis/48/metadata`)).rejects.toThrow();
  await waitFor(() => gw.audit.ofType('tls_connection_refused').length >= 2);
  const reasons = gw.audit.ofType('tls_connection_refused').map((e) => e.reason);
  expect(reasons).toEqual(expect.arrayContaining(['not_whitelisted', 'no_certificate']));
  const refused = gw.audit.ofType('tls_connection_refused').find((e) => e.reason === 'not_whitelisted');
  expect(refused?.peerHost).toBe('pgo.unlisted.test');
  const metrics = await (await fetch(`${gw.urls.operations}/metrics`)).text();
  expect(metrics).toMatch(/medmij_gateway_audit_events_total\{type="tls_connection_refused",outcome="refused",reason="not_whitelisted"\} [1-9]/);
});

test('the patient interface asks no client certificate and serves the metadata with each endpoint on its own listener', async () => {
  const socket = tls.connect({ host: '127.0.0.1', port: Number(new URL(gw.urls.patient).port), ca, servername: 'localhost' });
  await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  expect(socket.authorized).toBe(true);
  socket.destroy();
  const answer = await get(`${gw.urls.patient}/.well-known/oauth-authorization-server`);
  expect(answer.status).toBe(200);
  const metadata = JSON.parse(answer.body) as Record<string, unknown>;
  expect(metadata['authorization_endpoint']).toBe('https://localhost:8443/oauth/authorize');
  expect(metadata['token_endpoint']).toBe('https://localhost:9443/oauth/token');
  expect(answer.headers['content-security-policy']).toContain("frame-ancestors 'none'");
});

test('the token endpoint is not served on the patient interface, nor the authorization endpoint on the node interface', async () => {
  const token = await new Promise<number>((resolve, reject) => {
    const req = https.request(`${gw.urls.patient}/oauth/token`, { method: 'POST', ca, servername: 'localhost' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end('grant_type=authorization_code');
  });
  expect(token).toBe(404);
  const authorize = await get(`${gw.urls.node}/oauth/authorize?response_type=code`, listed);
  expect(authorize.status).toBe(404);
});

test('a host removed from the Whitelist loses even its open keep-alive connection', async () => {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca, ...listed, servername: 'localhost' });
  try {
    const first = await get(`${gw.urls.node}/fhir/demoziekenhuis/48/metadata`, { agent });
    expect(first.status).toBe(200);
    const file = path.join(gw.listsDir, 'MedMij_Whitelist.xml');
    const xml = await readFile(file, 'utf8');
    await writeFile(
      file,
      xml.replace('<Volgnummer>1</Volgnummer>', '<Volgnummer>2</Volgnummer>').replace(/<MedMijNode>\s*<Hostname>pgo\.listed\.test<\/Hostname>\s*<\/MedMijNode>/, ''),
    );
    const outcome = await gw.gateway.lists.refresh('whitelist');
    expect(gw.gateway.lists.current('whitelist')?.volgnummer).toBe(2);
    expect(outcome).toBeDefined();
    await expect(get(`${gw.urls.node}/fhir/demoziekenhuis/48/metadata`, { agent })).rejects.toThrow();
  } finally {
    agent.destroy();
  }
});
