import express from 'express';
import type http from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { MappingFailed, UpstreamRejected, UpstreamTimeout, UpstreamUnavailable } from '../../adapters/index.js';
import { createBinaryProxy, createFhirPassthroughAdapter, fhirPassthroughConfigSchema } from '../../adapters/fhir-passthrough/index.js';
import type { Adapter, AdapterContext, Resource } from '../../adapters/types.js';
import { createSilentLogger } from '../../gateway/observability/logger.js';
import { guardAdapter } from '../../gateway/fhir/compartment-guard.js';
import { listen, readBody, type Backend } from './adapters-backends.js';

/** The fhir passthrough adapter against misbehaving upstream FHIR servers on loopback. */
const A = 'pat-a';
const B = 'pat-b';
const obs = (id: string, patient: string): Resource => ({ resourceType: 'Observation', id, status: 'final', subject: { reference: `Patient/${patient}` } });
const bundle = (resources: Resource[], next?: string) => ({
  resourceType: 'Bundle', type: 'searchset', total: resources.length,
  link: [{ relation: 'self', url: 'http://ehr.internal/fhir/Observation' }, ...(next ? [{ relation: 'next', url: next }] : [])],
  entry: resources.map((r) => ({ fullUrl: `http://ehr.internal/fhir/${r.resourceType}/${r.id}`, resource: r, search: { mode: 'match' } })),
});

function capture() {
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) }));
  return { log, lines };
}

function ctx(patientRef = A, signal: AbortSignal = AbortSignal.timeout(5000), log = createSilentLogger()): AdapterContext {
  return { patient: { patientRef }, fhirVersion: 'R4', requestId: 't', signal, log };
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => void | Promise<void>;
let handler: Handler;
let server: Backend;
const seen: Array<{ url: string; headers: http.IncomingHttpHeaders; body: string }> = [];

beforeAll(async () => {
  server = await listen(async (req, res) => {
    const body = await readBody(req);
    seen.push({ url: req.url ?? '', headers: req.headers, body });
    await handler(req, res, new URL(req.url ?? '/', server.url));
  });
});
afterAll(() => server.close());
beforeEach(() => {
  seen.length = 0;
});

const json = (res: http.ServerResponse, body: unknown, status = 200) => {
  res.writeHead(status, { 'content-type': 'application/fhir+json' });
  res.end(JSON.stringify(body));
};

function adapter(extra: Record<string, unknown> = {}): Adapter {
  const config = fhirPassthroughConfigSchema.parse({
    id: 'ehr', kind: 'fhir', baseUrl: `${server.url}/fhir`, fhirVersion: 'R4', resourceTypes: ['Observation', 'Patient', 'Binary'],
    timeoutMs: 2000, maxBytes: 64 * 1024, ...extra,
  });
  return createFhirPassthroughAdapter(config, { log: createSilentLogger(), baseDir: process.cwd() });
}

const search = (a: Adapter, c = ctx()) =>
  a.search({ resourceType: 'Observation', criteria: [], params: [{ name: 'code', value: 'http://loinc.org|1-8' }] }, c);

test('adds the patient filter itself, strips what the PGO must not control, drops upstream links and rewrites internal URLs', async () => {
  handler = (_req, res) =>
    json(res, bundle([{ ...obs('o1', A), subject: { reference: `${server.url}/fhir/Patient/${A}` }, performer: [{ reference: `${server.url}/fhir/Practitioner/p1` }] }]));
  const a = adapter({ auth: { kind: 'bearer', token: 'static-upstream-token' } });
  const out = await a.search(
    {
      resourceType: 'Observation',
      criteria: [],
      params: [
        { name: 'code', value: 'http://loinc.org|1-8' },
        { name: 'patient', value: B },
        { name: 'subject:Patient.identifier', value: 'x' },
        { name: '_include', value: 'Observation:patient' },
        { name: '_has:Observation:patient:code', value: 'x' },
        { name: 'performer', value: `Patient/${B}` },
      ],
    },
    ctx(),
  );
  expect(out.resources).toEqual([{ ...obs('o1', A), performer: [{ reference: 'Practitioner/p1' }] }]);
  const sent = new URL(seen[0]!.url, server.url);
  expect(sent.pathname).toBe('/fhir/Observation');
  expect([...sent.searchParams]).toEqual([['patient', A], ['code', 'http://loinc.org|1-8'], ['_count', '100']]);
  expect(seen[0]!.headers.authorization).toBe('Bearer static-upstream-token');
  expect(seen[0]!.headers.accept).toContain('fhirVersion=4.0');
  await a.close();
});

test('patient filter modes: subject=Patient/<ref>, the compartment path, and _id for Patient', async () => {
  handler = (_req, res) => json(res, bundle([]));
  const s = adapter({ patientFilter: 'subject' });
  await search(s);
  expect(seen.at(-1)!.url).toContain(`subject=Patient%2F${A}`);
  const c = adapter({ patientFilter: 'compartment' });
  await search(c);
  expect(seen.at(-1)!.url).toMatch(new RegExp(`^/fhir/Patient/${A}/Observation\\?`));
  await c.search({ resourceType: 'Patient', params: [], criteria: [] }, ctx());
  expect(seen.at(-1)!.url).toBe(`/fhir/Patient?_id=${A}&_count=100`);
  await Promise.all([s.close(), c.close()]);
});

test('re-pages: follows next links and returns the whole match set; too many pages fail closed', async () => {
  handler = (_req, res, url) => {
    const page = Number(url.searchParams.get('page') ?? '1');
    json(res, bundle([obs(`o${page}`, A)], page < 3 ? `${server.url}/fhir/Observation?page=${page + 1}` : undefined));
  };
  const a = adapter();
  expect((await search(a)).resources.map((r) => r.id)).toEqual(['o1', 'o2', 'o3']);
  const capped = adapter({ maxPages: 2 });
  await expect(search(capped)).rejects.toBeInstanceOf(UpstreamRejected);
  await Promise.all([a.close(), capped.close()]);
});

test('a next link to another host is not followed (SSRF)', async () => {
  handler = (_req, res) => json(res, bundle([obs('o1', A)], 'http://169.254.169.254/latest/meta-data'));
  const a = adapter();
  await expect(search(a)).rejects.toThrow(/outside the configured base/);
  expect(seen).toHaveLength(1);
  await a.close();
});

test("another patient's resources stop at the gateway's adapter boundary, each one an alarm, and no patient data in the log", async () => {
  handler = (_req, res, url) =>
    url.pathname.endsWith('/Observation/o2') ? json(res, obs('o2', B)) : json(res, bundle([obs('o1', A), obs('o2', B), { ...obs('o3', A), contained: [{ resourceType: 'Patient', id: 'x', link: [{ other: { reference: `Patient/${B}` } }] }] }]));
  const a = adapter();
  const alarms: string[] = [];
  const guarded = guardAdapter(a, (v) => alarms.push(...v.map((x) => x.resourceType)));
  const { log, lines } = capture();
  const out = await search(guarded, ctx(A, AbortSignal.timeout(5000), log));
  expect(out.resources.map((r) => r.id)).toEqual(['o1']);
  expect(alarms).toEqual(['Observation', 'Observation']);
  expect(lines.join('')).not.toContain(B);
  expect(await guarded.read('Observation', 'o2', ctx())).toBeUndefined();
  expect(alarms).toHaveLength(3);
  await a.close();
});

test('upstream down → UpstreamUnavailable; 503 → UpstreamUnavailable; 401 → UpstreamRejected', async () => {
  const gone = await listen(() => undefined);
  await gone.close();
  const down = createFhirPassthroughAdapter(
    fhirPassthroughConfigSchema.parse({ id: 'x', kind: 'fhir', baseUrl: `${gone.url}/fhir`, fhirVersion: 'R4', resourceTypes: ['Observation'] }),
    { log: createSilentLogger(), baseDir: '.' },
  );
  await expect(search(down)).rejects.toBeInstanceOf(UpstreamUnavailable);
  expect((await down.health(AbortSignal.timeout(2000))).ok).toBe(false);
  handler = (_req, res) => json(res, { resourceType: 'OperationOutcome' }, 503);
  const a = adapter();
  await expect(search(a)).rejects.toBeInstanceOf(UpstreamUnavailable);
  handler = (_req, res) => json(res, { resourceType: 'OperationOutcome' }, 401);
  await expect(search(a)).rejects.toBeInstanceOf(UpstreamRejected);
  await Promise.all([down.close(), a.close()]);
});

test('slow upstream: the request deadline and the adapter timeout both give UpstreamTimeout', async () => {
  handler = (_req, res) => void setTimeout(() => json(res, bundle([])), 1500).unref();
  const a = adapter();
  const t0 = Date.now();
  await expect(search(a, ctx(A, AbortSignal.timeout(150)))).rejects.toBeInstanceOf(UpstreamTimeout);
  expect(Date.now() - t0).toBeLessThan(1000);
  const short = adapter({ timeoutMs: 150 });
  await expect(search(short)).rejects.toBeInstanceOf(UpstreamTimeout);
  await Promise.all([a.close(), short.close()]);
});

test('garbage: not JSON, HTML, a Bundle that is not a searchset, an entry without id → UpstreamRejected', async () => {
  const a = adapter();
  for (const h of [
    (res: http.ServerResponse) => (res.writeHead(200, { 'content-type': 'application/fhir+json' }), res.end('{"resourceType":"Bun')),
    (res: http.ServerResponse) => (res.writeHead(200, { 'content-type': 'text/html' }), res.end('<html>proxy error</html>')),
    (res: http.ServerResponse) => json(res, { ...bundle([obs('o1', A)]), type: 'collection' }),
    (res: http.ServerResponse) => json(res, bundle([{ resourceType: 'Observation', subject: { reference: `Patient/${A}` } }])),
  ]) {
    handler = (_req, res) => h(res);
    await expect(search(a)).rejects.toBeInstanceOf(UpstreamRejected);
  }
  await a.close();
});

test('huge answers: a declared and an endless streamed body are refused at the cap, without reading on', async () => {
  const a = adapter();
  handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/fhir+json', 'content-length': String(10 * 1024 * 1024) });
    res.write('{');
  };
  await expect(search(a)).rejects.toThrow(/exceeds 65536 bytes/);
  let written = 0;
  let closed = false;
  handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/fhir+json' });
    const chunk = Buffer.alloc(16 * 1024, 32);
    const pump = () => {
      while (!closed && written < 50 * 1024 * 1024 && res.write(chunk)) written += chunk.length;
      if (!closed && written < 50 * 1024 * 1024) res.once('drain', pump);
    };
    res.on('close', () => (closed = true));
    pump();
  };
  await expect(search(a)).rejects.toBeInstanceOf(UpstreamRejected);
  expect(written).toBeLessThan(8 * 1024 * 1024);
  await a.close();
});

test('OAuth client credentials: one token fetch for many searches, refetched after a 401', async () => {
  let tokens = 0;
  handler = async (req, res, url) => {
    if (url.pathname === '/token') {
      tokens += 1;
      return json(res, { access_token: `tok-${tokens}`, token_type: 'Bearer', expires_in: 300 });
    }
    if (req.headers.authorization !== `Bearer tok-${tokens}` || url.searchParams.get('code') === 'revoke') return json(res, {}, 401);
    return json(res, bundle([obs('o1', A)]));
  };
  const a = adapter({ auth: { kind: 'client-credentials', tokenUrl: `${server.url}/token`, clientId: 'gw', clientSecret: 's3cret' } });
  await Promise.all([search(a), search(a), search(a)]);
  expect(tokens).toBe(1);
  const tokenCall = seen.find((s) => s.url === '/token')!;
  expect(tokenCall.body).toBe('grant_type=client_credentials');
  expect(tokenCall.headers.authorization).toBe(`Basic ${Buffer.from('gw:s3cret').toString('base64')}`);
  // The upstream revokes tok-1 and now accepts only tok-2: the adapter must drop its cached token.
  handler = async (req, res, url) => {
    if (url.pathname === '/token') {
      tokens += 1;
      return json(res, { access_token: `tok-${tokens}`, token_type: 'Bearer', expires_in: 300 });
    }
    return req.headers.authorization === 'Bearer tok-2' ? json(res, bundle([obs('o1', A)])) : json(res, {}, 401);
  };
  expect((await search(a)).resources).toHaveLength(1);
  expect(tokens).toBe(2);
  await a.close();
});

test('patient lookup: POST Patient/_search with the BSN in the body; only a Patient carrying that BSN counts', async () => {
  const withBsn = (id: string, bsn: string): Resource => ({ resourceType: 'Patient', id, identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: bsn }] });
  handler = (_req, res) => json(res, bundle([withBsn(A, '999911120')]));
  const a = adapter();
  expect(await a.findPatientByBsn('999911120', AbortSignal.timeout(2000))).toEqual({ patientRef: A });
  expect(seen[0]!.url).toBe('/fhir/Patient/_search');
  expect(seen[0]!.body).toBe('identifier=http%3A%2F%2Ffhir.nl%2Ffhir%2FNamingSystem%2Fbsn%7C999911120');
  // An upstream that ignores the filter and answers everybody must not log anyone in.
  handler = (_req, res) => json(res, bundle([withBsn(A, '999990020'), withBsn(B, '999911120'), withBsn('c', '999911120')]));
  expect(await a.findPatientByBsn('999911120', AbortSignal.timeout(2000))).toBeUndefined();
  await a.close();
});

test('a context of the other FHIR version is refused before any upstream call', async () => {
  const a = adapter();
  await expect(a.search({ resourceType: 'Observation', params: [], criteria: [] }, { ...ctx(), fhirVersion: 'STU3' })).rejects.toBeInstanceOf(MappingFailed);
  expect(seen).toHaveLength(0);
  await a.close();
});

describe('Binary proxy (http-proxy-middleware, streamed)', () => {
  let gw: Backend;
  let lastError: unknown;
  beforeAll(async () => {
    const config = fhirPassthroughConfigSchema.parse({
      id: 'ehr', kind: 'fhir', baseUrl: `${server.url}/fhir`, fhirVersion: 'R4', resourceTypes: ['Binary'], maxBytes: 1024 * 1024,
      auth: { kind: 'bearer', token: 'upstream-token' },
    });
    const proxy = createBinaryProxy(config, { log: createSilentLogger(), baseDir: '.' });
    const app = express();
    app.get('/fhir/Binary/:id', (req, res, next) => void proxy(req, res, next));
    app.use((_req: express.Request, res: express.Response) => res.status(404).json({ resourceType: 'OperationOutcome', issue: [{ code: 'not-found' }] }));
    app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      lastError = err;
      res.status(502).json({ resourceType: 'OperationOutcome' });
    });
    gw = await listen(app);
  });
  afterAll(() => gw.close());

  test('streams the document with an allow-list of headers both ways', async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(200_000, 7)]);
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': String(pdf.length), server: 'ehr.internal', location: 'http://ehr.internal/x', 'set-cookie': 'sid=1', link: '<http://ehr.internal/fhir>' });
      res.end(pdf);
    };
    const res = await fetch(`${gw.url}/fhir/Binary/doc-1`, { headers: { authorization: 'Bearer pgo-token', cookie: 'a=b', 'x-forwarded-for': '1.2.3.4' } });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(pdf)).toBe(true);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    for (const h of ['server', 'location', 'set-cookie', 'link']) expect(res.headers.get(h)).toBeNull();
    expect(seen.at(-1)!.url).toBe('/fhir/Binary/doc-1');
    expect(seen.at(-1)!.headers.authorization).toBe('Bearer upstream-token');
    expect(seen.at(-1)!.headers.cookie).toBeUndefined();
    expect(seen.at(-1)!.headers['x-forwarded-for']).toBeUndefined();
  });

  test('404 upstream → the route’s not-found; 500 → typed error; too large → refused', async () => {
    handler = (_req, res) => json(res, { resourceType: 'OperationOutcome', issue: [{ diagnostics: 'http://ehr.internal/secret' }] }, 404);
    let res = await fetch(`${gw.url}/fhir/Binary/nope`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('ehr.internal');
    handler = (_req, res2) => json(res2, {}, 500);
    res = await fetch(`${gw.url}/fhir/Binary/x`);
    expect(res.status).toBe(502);
    expect(lastError).toBeInstanceOf(UpstreamUnavailable);
    handler = (_req, res2) => {
      res2.writeHead(200, { 'content-type': 'application/pdf', 'content-length': String(5 * 1024 * 1024) });
      res2.write('x');
    };
    res = await fetch(`${gw.url}/fhir/Binary/big`);
    expect(res.status).toBe(502);
    expect(lastError).toBeInstanceOf(UpstreamRejected);
  });
});
