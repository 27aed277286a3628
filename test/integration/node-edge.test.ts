import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createFhirServer, createNodeEdge, createStaticTokenVerifier, type PlainMiddleware } from '../../gateway/fhir/index.js';
import { MemoryAuditLog } from '../../gateway/observability/audit.js';
import { createLogger, createSilentLogger } from '../../gateway/observability/logger.js';
import { requestTracker } from '../../gateway/observability/index.js';
import { createTestAdapter } from '../helpers/fhir-test-adapter.js';
import { R4_DATA, STU3_DATA } from '../helpers/fhir-test-data.js';
import { loadTestCatalogues } from '../helpers/fhir-test-server.js';
import { TEST_RESOURCE_PATH } from '../helpers/gateway.js';

/**
 * The lean node:https edge (fhir/node-edge.ts) on a real listener (plain HTTP here; the mTLS
 * gateway suites run the same edge behind the TLS guard): which requests reach the core and
 * which the Express app, and that the per-request guarantees run before the core does.
 */
const TOKEN = 'tok-edge-patient-a-00000001';
let server: http.Server;
let url: string;
let audit: MemoryAuditLog;
let appCalls: string[];
let refusePeer = false;
let limited = false;
const lines: Array<Record<string, unknown>> = [];
/** What the waiting adapter's signal said when it fired (the client-gone test). */
let waitingAbort: { name: string; message: string } | undefined;
let waitingStarted: () => void = () => undefined;

beforeAll(async () => {
  audit = new MemoryAuditLog();
  appCalls = [];
  const fhir = createFhirServer({
    providers: [
      {
        name: 'demoziekenhuis',
        displayName: 'Demo',
        services: [
          { id: '48', standard: 'bgz-3', fhirVersion: 'STU3', adapter: 'test-ehr', timeoutMs: 5000 },
          { id: '49', standard: 'bgz-3', fhirVersion: 'STU3', adapter: 'waiting-ehr', timeoutMs: 30_000 },
        ],
      },
    ],
    adapters: new Map([
      ['test-ehr', createTestAdapter({ id: 'test-ehr', data: { STU3: STU3_DATA, R4: R4_DATA } })],
      [
        'waiting-ehr',
        {
          ...createTestAdapter({ id: 'waiting-ehr', data: { STU3: STU3_DATA, R4: R4_DATA } }),
          // An EHR call that only ends when the gateway aborts it, as a slow backend behind fetch would.
          search: (_q, ctx) =>
            new Promise((_resolve, reject) => {
              ctx.signal.addEventListener('abort', () => {
                const reason = ctx.signal.reason as DOMException;
                waitingAbort = { name: reason.name, message: reason.message };
                reject(reason);
              });
              waitingStarted();
            }),
        },
      ],
    ]),
    catalogues: await loadTestCatalogues(),
    verifier: createStaticTokenVerifier([{ token: TOKEN, patientRef: 'patA', provider: 'demoziekenhuis', services: ['48', '49'] }]),
    peerOf: () => ({ hostnames: ['pgo.example.nl'], fingerprintSha256: 'AA' }),
    requireCertificateBinding: true,
    publicBaseUrl: 'https://gw.test',
    resourcePath: TEST_RESOURCE_PATH,
    audit,
    log: createSilentLogger(),
  });
  const app: RequestListener = (req, res) => {
    appCalls.push(req.url ?? '');
    res.end('express');
  };
  const checkPeer: PlainMiddleware = (req, res, next) => (refusePeer ? req.socket.destroy() : next());
  const limitFhir: PlainMiddleware = (_req: IncomingMessage, res: ServerResponse, next) => {
    if (!limited) return next();
    res.statusCode = 429;
    res.end();
  };
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const log = createLogger({ level: 'info', destination: sink });
  server = http.createServer(
    createNodeEdge({ app, fhir, checkPeer, securityHeaders: { set: [['X-Frame-Options', 'DENY']], removed: [] }, track: requestTracker('node', log), limitFhir }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
beforeEach(() => {
  refusePeer = false;
  limited = false;
  appCalls.length = 0;
});

const search = (headers: Record<string, string> = {}) =>
  fetch(`${url}/fhir/demoziekenhuis/48/Condition`, { headers: { Authorization: `Bearer ${TOKEN}`, ...headers } });

describe('lean node:https edge', () => {
  test('a FHIR search goes to the core, not the Express app: security headers, echo, one access line, two audit records', async () => {
    const traceId = randomUUID();
    const res = await search({ 'MedMij-Request-ID': traceId });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { resourceType: string }).resourceType).toBe('Bundle');
    expect(appCalls).toEqual([]);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('medmij-request-id')).toBe(traceId);
    expect(res.headers.get('cache-control')).toBe('no-store');
    await new Promise((r) => setImmediate(r));
    const access = lines.filter((l) => l.traceId === traceId && l.msg === 'request');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({ status: 200, route: '/fhir/demoziekenhuis/48/Condition', component: 'fhir', provider: 'demoziekenhuis', interaction: 'search-type' });
    const records = audit.events.filter((e) => e.traceId === traceId);
    expect(records.map((e) => e.type).sort()).toEqual(['receive_resource_request', 'send_resource_response']);
  });

  test('everything that is not a configured base goes to the Express app', async () => {
    const token = await fetch(`${url}/oauth/token`, { method: 'POST' });
    expect(await token.text()).toBe('express');
    const unknown = await fetch(`${url}/fhir/elders/48/Condition`);
    expect(await unknown.text()).toBe('express');
    expect(appCalls).toEqual(['/oauth/token', '/fhir/elders/48/Condition']);
  });

  test('a peer the per-request check refuses gets no answer and reaches neither the core nor the app', async () => {
    refusePeer = true;
    const before = audit.events.length;
    await expect(search()).rejects.toThrow();
    expect(appCalls).toEqual([]);
    expect(audit.events.length).toBe(before);
  });

  test('a client that goes away mid-request: the EHR call is aborted at once, and the request is recorded as 499', async () => {
    const traceId = randomUUID();
    const started = new Promise<void>((resolve) => (waitingStarted = resolve));
    const req = http.request(`${url}/fhir/demoziekenhuis/49/Condition`, { headers: { Authorization: `Bearer ${TOKEN}`, 'MedMij-Request-ID': traceId } });
    req.on('error', () => undefined);
    req.end();
    await started;
    req.destroy();
    const deadline = Date.now() + 5000;
    while (audit.events.filter((e) => e.traceId === traceId).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // Aborted as a client disconnect, long before the service's 30 s timeout.
    expect(waitingAbort).toEqual({ name: 'AbortError', message: 'client_disconnected' });
    const answer = audit.events.find((e) => e.traceId === traceId && e.type !== 'receive_resource_request');
    // The record says what the core had learnt before the abort: the client and the resource type too.
    expect(answer).toMatchObject({ type: 'send_resource_error_response', status: 499, serviceId: '49', clientId: expect.any(String), resourceType: 'Condition', reason: 'client_disconnected' });
  });

  test('the FHIR rate limit runs before the core', async () => {
    limited = true;
    const before = audit.events.length;
    const res = await search();
    expect(res.status).toBe(429);
    expect(audit.events.length).toBe(before);
  });
});
