import { createHash } from 'node:crypto';
import type http from 'node:http';
import { listen, type Backend } from './adapters-backends.js';
import { PUBLIC_BASE, startDocumentsGateway, syntheticPdf, type Answer, type DocumentsGateway } from './documents-harness.js';

/**
 * Documents from an EHR with a FHIR API of its own (`kind: fhir`), through the composed gateway:
 * the raw content of `Binary/{id}` is streamed from the upstream to the PGO (adapter
 * `streamBinary`, http-proxy-middleware) after the access rule was decided from the patient's
 * DocumentReferences, never read whole; the size cap, the deadline and upstream failures still
 * give clean answers. The upstream is a real HTTP server on loopback written for these cases.
 */
const A = 'pt-a';
const B = 'pt-b';
const TOKEN_A = 'passthrough-token-a-0001';
const TOKEN_B = 'passthrough-token-b-0002';
const UPSTREAM_TOKEN = 'upstream-secret-token-42';
const MB = 1024 * 1024;
const MAX_BYTES = 6 * MB;

const big = Buffer.concat([syntheticPdf('big', 1024), Buffer.alloc(5 * MB - 1024)]);
for (let i = 1024; i < big.length; i += 1) big[i] = (i * 31) & 0xff; // not all zeroes: a shifted or dropped chunk shows
const small = syntheticPdf('small');
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** What the upstream did, per test. */
const upstream = {
  binaryRequests: [] as Array<{ id: string; authorization: string | undefined; accept: string | undefined }>,
  sentBeforeRelease: -1,
  releasedBy: '' as '' | 'client' | 'timeout',
  release: (): void => undefined,
  closed: new Map<string, number>(),
};

const linkedFromA = ['big', 'small', 'over-cap-declared', 'over-cap-chunked', 'fails', 'hangs', 'gone'];

let backend: Backend;
let gw: DocumentsGateway;

function searchset(resources: unknown[]): string {
  return JSON.stringify({ resourceType: 'Bundle', type: 'searchset', total: resources.length, entry: resources.map((resource) => ({ resource, search: { mode: 'match' } })) });
}

function docRef(id: string, patient: string, binary: string) {
  return {
    resourceType: 'DocumentReference',
    id,
    status: 'current',
    subject: { reference: `${backend.url}/fhir/Patient/${patient}` },
    indexed: '2024-05-01T10:00:00Z',
    content: [{ attachment: { contentType: 'application/pdf', url: `${backend.url}/fhir/Binary/${binary}` } }],
  };
}

async function writeSlowly(res: http.ServerResponse, body: Buffer, from: number, to: number): Promise<number> {
  let at = from;
  while (at < to) {
    const chunk = body.subarray(at, Math.min(to, at + 64 * 1024));
    at += chunk.length;
    if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
    if (res.destroyed) break;
  }
  return at;
}

async function serveBinary(id: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  res.on('close', () => upstream.closed.set(id, Date.now()));
  const accept = req.headers.accept;
  if (id === 'small' && accept?.includes('fhir+json')) {
    res.writeHead(200, { 'content-type': 'application/fhir+json' });
    res.end(JSON.stringify({ resourceType: 'Binary', id, contentType: 'application/pdf', content: small.toString('base64') }));
    return;
  }
  switch (id) {
    case 'small':
      res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': small.length, 'cache-control': 'public, max-age=86400', server: 'ehr.internal' });
      res.end(small);
      return;
    case 'big': {
      res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': big.length });
      // The first megabyte, then wait until the PGO has its first byte (or 3 s): a gateway that
      // buffered the whole document would only send once everything is in.
      upstream.sentBeforeRelease = await writeSlowly(res, big, 0, MB);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          upstream.releasedBy = 'timeout';
          resolve();
        }, 3000);
        upstream.release = () => {
          clearTimeout(timer);
          upstream.releasedBy ||= 'client';
          resolve();
        };
      });
      await writeSlowly(res, big, MB, big.length);
      res.end();
      return;
    }
    case 'over-cap-declared':
      res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': MAX_BYTES + MB });
      res.write(big.subarray(0, 64 * 1024)); // and never more: the gateway must not wait for it
      return;
    case 'over-cap-chunked':
      res.writeHead(200, { 'content-type': 'application/pdf' });
      await writeSlowly(res, Buffer.concat([big, big]), 0, MAX_BYTES + MB);
      res.end();
      return;
    case 'fails':
      res.writeHead(500, { 'content-type': 'application/fhir+json' });
      res.end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: 'db at ehr.internal down' }] }));
      return;
    case 'hangs':
      return; // no answer at all
    default:
      res.writeHead(404, { 'content-type': 'application/fhir+json' });
      res.end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] }));
  }
}

beforeAll(async () => {
  backend = await listen((req, res) => {
    const url = new URL(req.url ?? '/', 'http://upstream');
    const [type, id] = url.pathname.replace(/^\/fhir\//, '').split('/');
    if (type === 'Binary' && id !== undefined) {
      upstream.binaryRequests.push({ id, authorization: req.headers.authorization, accept: req.headers.accept });
      void serveBinary(id, req, res);
      return;
    }
    const patient = url.searchParams.get('patient');
    const docs =
      type === 'DocumentReference'
        ? [...linkedFromA.map((b, i) => docRef(`dr-a-${i}`, A, b)), docRef('dr-b-0', B, 'b-doc')].filter((d) => d.subject.reference.endsWith(`/Patient/${patient}`))
        : [];
    res.writeHead(200, { 'content-type': 'application/fhir+json' });
    res.end(searchset(docs));
  });
  gw = await startDocumentsGateway({
    adapterYaml: `  - id: docs
    kind: fhir
    baseUrl: ${backend.url}/fhir
    fhirVersion: STU3
    resourceTypes: [DocumentReference, DocumentManifest, Binary]
    timeoutMs: 1500
    maxBytes: ${MAX_BYTES}
    auth: { kind: bearer, token: ${UPSTREAM_TOKEN} }`,
    tokens: [
      { token: TOKEN_A, patientRef: A },
      { token: TOKEN_B, patientRef: B },
    ],
    timeoutMs: 4000,
  });
});

afterAll(async () => {
  await gw?.close();
  await backend?.close();
});

beforeEach(() => {
  upstream.binaryRequests.length = 0;
  upstream.closed.clear();
});

const outcome = (a: Answer): { resourceType?: string; issue?: Array<{ code?: string }> } => JSON.parse(a.body.toString('utf8')) as { resourceType?: string };

test('the PGO gets attachment URLs relative to the gateway’s base, never the internal host', async () => {
  const answer = await gw.get('DocumentReference?status=current', { token: TOKEN_A });
  expect(answer.status).toBe(200);
  const text = answer.body.toString('utf8');
  expect(text).not.toContain(backend.url);
  const urls = (JSON.parse(text) as { entry: Array<{ resource: { content: Array<{ attachment: { url: string } }> } }> }).entry.map((e) => e.resource.content[0]!.attachment.url);
  expect(urls.sort()).toEqual(linkedFromA.map((b) => `Binary/${b}`).sort());
});

test('a 5 MB document is streamed: identical bytes, and the PGO’s first byte comes before the upstream has sent it all', async () => {
  upstream.releasedBy = '';
  let firstByteAt = -1;
  const answer = await gw.get(`${PUBLIC_BASE}/Binary/big`, {
    token: TOKEN_A,
    onFirstByte: () => {
      firstByteAt = upstream.sentBeforeRelease;
      upstream.release();
    },
  });
  expect(answer.status).toBe(200);
  expect(answer.aborted).toBe(false);
  expect(answer.headers['content-type']).toBe('application/pdf');
  expect(answer.headers['content-disposition']).toBe('inline');
  expect(answer.headers['cache-control']).toBe('no-store');
  expect(answer.headers['x-content-type-options']).toBe('nosniff');
  expect(answer.body.length).toBe(big.length);
  expect(sha(answer.body)).toBe(sha(big));
  // Released by the PGO's first byte, when at most the first megabyte had left the upstream.
  expect(upstream.releasedBy).toBe('client');
  expect(firstByteAt).toBeGreaterThan(0);
  expect(firstByteAt).toBeLessThanOrEqual(MB);
  // Fetched once, with the gateway's own upstream credentials, never the PGO's token.
  expect(upstream.binaryRequests).toEqual([{ id: 'big', authorization: `Bearer ${UPSTREAM_TOKEN}`, accept: undefined }]);
});

test('the upstream’s caching and server headers do not pass; the gateway’s own do', async () => {
  const answer = await gw.get('Binary/small', { token: TOKEN_A, accept: 'application/pdf' });
  expect(answer.status).toBe(200);
  expect(answer.body.equals(small)).toBe(true);
  expect(answer.headers['cache-control']).toBe('no-store');
  expect(answer.headers['server']).toBeUndefined();
  expect(upstream.binaryRequests.at(-1)?.accept).toBe('application/pdf');
});

test('Accept: FHIR JSON gives the Binary resource through the adapter’s read', async () => {
  const answer = await gw.get('Binary/small', { token: TOKEN_A, accept: 'application/fhir+json' });
  expect(answer.status).toBe(200);
  const resource = JSON.parse(answer.body.toString('utf8')) as { resourceType: string; content: string };
  expect(resource.resourceType).toBe('Binary');
  expect(Buffer.from(resource.content, 'base64').equals(small)).toBe(true);
});

test('another patient’s document, or no token: refused before the upstream is asked for it', async () => {
  const foreign = await gw.get('Binary/big', { token: TOKEN_B });
  expect(foreign.status).toBe(404);
  expect(outcome(foreign).issue?.[0]?.code).toBe('not-found');
  expect(foreign.body.length).toBeLessThan(1000);
  const unlinked = await gw.get('Binary/b-doc', { token: TOKEN_A });
  expect(unlinked.status).toBe(404);
  const anonymous = await gw.get('Binary/big', {});
  expect(anonymous.status).toBe(401);
  expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer /);
  expect(upstream.binaryRequests).toEqual([]);
  // B's own document is B's.
  expect((await gw.get('Binary/b-doc', { token: TOKEN_B })).status).toBe(404); // linked, but the upstream has no such Binary
  expect(upstream.binaryRequests.map((r) => r.id)).toEqual(['b-doc']);
});

test('over the size cap (declared): 502 OperationOutcome at once, and the upstream connection is closed', async () => {
  const started = Date.now();
  const answer = await gw.get('Binary/over-cap-declared', { token: TOKEN_A });
  expect(answer.status).toBe(502);
  expect(outcome(answer).resourceType).toBe('OperationOutcome');
  expect(answer.headers['content-disposition']).toBeUndefined();
  expect(Date.now() - started).toBeLessThan(1500); // not waiting for the idle timeout
  for (let i = 0; i < 100 && !upstream.closed.has('over-cap-declared'); i += 1) await new Promise((r) => setTimeout(r, 10));
  expect(upstream.closed.has('over-cap-declared')).toBe(true);
});

test('over the size cap (undeclared): the answer is cut off at the cap, the connection closed', async () => {
  const answer = await gw.get('Binary/over-cap-chunked', { token: TOKEN_A });
  expect(answer.status).toBe(200); // the headers were gone before the cap was passed
  expect(answer.aborted).toBe(true);
  expect(answer.body.length).toBeLessThanOrEqual(MAX_BYTES);
  for (let i = 0; i < 100 && !upstream.closed.has('over-cap-chunked'); i += 1) await new Promise((r) => setTimeout(r, 10));
  expect(upstream.closed.has('over-cap-chunked')).toBe(true);
});

test.each([
  ['fails', 503, 'transient'],
  ['hangs', 504, 'timeout'],
  ['gone', 404, 'not-found'],
])('upstream %s → %i OperationOutcome, nothing of the upstream’s text', async (id, status, code) => {
  const answer = await gw.get(`Binary/${id}`, { token: TOKEN_A });
  expect(answer.status).toBe(status);
  expect(outcome(answer).issue?.[0]?.code).toBe(code);
  expect(answer.body.toString('utf8')).not.toContain('ehr.internal');
  expect(answer.headers['content-disposition']).toBeUndefined();
});
