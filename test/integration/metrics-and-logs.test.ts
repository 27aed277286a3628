import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { Agent, request } from 'undici';
import { createLogger } from '../../gateway/observability/logger.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { obtainToken } from '../helpers/oauth.js';

/**
 * What an operator's dashboards and log shippers read, from a real gateway after a real OAuth flow
 * and FHIR requests: standard process_/nodejs_ metric names (one prefix, not two), FHIR latency per
 * provider, data service and interaction, and JSON log lines that carry each key once.
 */
const BSN = '999911120';
const CLIENT = { clientId: 'pgo.listed.test', redirectUri: 'https://pgo.listed.test/medmij/callback', scope: 'demoziekenhuis' };

/** Object keys repeated within one JSON object of the text (JSON.parse silently keeps the last). */
function repeatedKeys(line: string): string[] {
  const repeated: string[] = [];
  const stack: Array<Set<string>> = [];
  const re = /"((?:[^"\\]|\\.)*)"\s*(:)?|[{}[\]]/g;
  for (const m of line.matchAll(re)) {
    const token = m[0];
    if (token === '{') stack.push(new Set());
    else if (token === '}') stack.pop();
    else if (m[2] === ':' && m[1] !== undefined) {
      const keys = stack[stack.length - 1];
      if (keys?.has(m[1])) repeated.push(m[1]);
      keys?.add(m[1]);
    }
  }
  return repeated;
}

let gw: TestGateway;
const lines: string[] = [];
let token: string;
let pem: { ca: string; cert: string; key: string };

beforeAll(async () => {
  let pending = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      pending += chunk.toString();
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      lines.push(...parts.filter((l) => l.length > 0));
      done();
    },
  });
  gw = await startTestGateway({ log: createLogger({ level: 'info', destination: sink }) });
  pem = { ca: await readFile(gw.pki.caCert, 'utf8'), cert: await readFile(gw.pki.pgoListedCert, 'utf8'), key: await readFile(gw.pki.pgoListedKey, 'utf8') };
  const answer = await obtainToken({ patientUrl: gw.urls.patient, nodeUrl: gw.urls.node, ca: pem.ca, clientCert: pem.cert, clientKey: pem.key }, { ...CLIENT, bsn: BSN });
  token = answer.access_token;
  const agent = new Agent({ connect: pem });
  try {
    // The test gateway's bases are /fhir/{provider}/{service} (test/helpers/gateway.ts).
    for (const path of ['48/Condition', '48/Patient?_include=Patient:general-practitioner', 'mp9-3.0/MedicationStatement?category=http://snomed.info/sct|422979000', '48/metadata']) {
      const res = await request(`${gw.urls.node}/fhir/demoziekenhuis/${path}`, {
        dispatcher: agent,
        headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json', 'medmij-request-id': crypto.randomUUID(), 'x-correlation-id': crypto.randomUUID() },
      });
      expect({ path, status: res.statusCode, body: res.statusCode === 200 ? '' : await res.body.text() }).toEqual({ path, status: 200, body: '' });
      await res.body.text().catch(() => undefined);
    }
  } finally {
    await agent.close();
  }
}, 60_000);

afterAll(async () => {
  await gw?.close();
});

async function scrape(): Promise<string> {
  const res = await request(`${gw.urls.operations}/metrics`);
  expect(res.statusCode).toBe(200);
  return res.body.text();
}

test('default metrics carry the standard process_* and nodejs_* names, never a doubled prefix', async () => {
  const text = await scrape();
  expect(text).toMatch(/^process_cpu_seconds_total \d/m);
  expect(text).toMatch(/^process_resident_memory_bytes \d/m);
  expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
  expect(text).not.toMatch(/process_process_|medmij_gateway_process_/);
  // The gateway's own metrics keep their one prefix.
  expect(text).toMatch(/^medmij_gateway_http_request_duration_seconds_count\{/m);
});

test('FHIR latency is labelled per provider, data service and interaction, not one route for the provider', async () => {
  const text = await scrape();
  const routes = new Set([...text.matchAll(/^medmij_gateway_http_request_duration_seconds_count\{listener="node",route="([^"]+)"/gm)].map((m) => m[1]));
  expect([...routes]).toEqual(expect.arrayContaining(['/fhir/demoziekenhuis/48/Condition', '/fhir/demoziekenhuis/48/Patient', '/fhir/demoziekenhuis/mp9-3.0/MedicationStatement', '/fhir/demoziekenhuis/48/metadata']));
  expect([...routes]).not.toContain('/demoziekenhuis');
});

test('the OAuth endpoints on their configured paths keep their own route, not the first path segment', async () => {
  const text = await scrape();
  const routesOf = (listener: string) => [...text.matchAll(new RegExp(`^medmij_gateway_http_request_duration_seconds_count\\{listener="${listener}",route="([^"]+)"`, 'gm'))].map((m) => m[1]);
  expect(routesOf('patient')).toEqual(expect.arrayContaining(['/oauth/authorize', '/interaction/:uid/login', '/interaction/:uid/consent']));
  expect(routesOf('node')).toContain('/oauth/token');
  expect([...routesOf('patient'), ...routesOf('node')]).not.toContain('/oauth');
});

test('every JSON log line names each key once (traceId and sessionId were bound twice)', () => {
  const fhirLines = lines.filter((l) => l.includes('"traceId"'));
  expect(fhirLines.length).toBeGreaterThanOrEqual(4);
  const offenders = lines.map((l) => ({ keys: repeatedKeys(l), msg: (JSON.parse(l) as { msg?: string }).msg })).filter((o) => o.keys.length > 0);
  expect(offenders).toEqual([]);
  // Sanity of the detector itself.
  expect(repeatedKeys('{"a":1,"b":{"a":2},"a":3}')).toEqual(['a']);
});
