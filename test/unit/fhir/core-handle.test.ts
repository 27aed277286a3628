import { createDemoAdapter } from '../../../adapters/index.js';
import type { Adapter } from '../../../adapters/types.js';
import { createCoreContext, handle, type Answer, type CoreContext, type CoreRequest } from '../../../gateway/fhir/core/index.js';
import { parseFhirXml } from '../../../gateway/fhir/fhir-xml.js';
import { compartmentPatients } from '../../../gateway/fhir/search/index.js';
import { createStaticTokenVerifier } from '../../../gateway/fhir/qualification-tokens.js';
import { createServiceDirectory, resolveBase, type ServiceDirectory } from '../../../gateway/fhir/resolve-base.js';
import { MemoryAuditLog } from '../../../gateway/observability/audit.js';
import { createSilentLogger } from '../../../gateway/observability/logger.js';
import { loadTestCatalogues } from '../../helpers/fhir-test-server.js';

/**
 * The FHIR core called directly, without HTTP: a typed request in, a typed answer out, over the
 * built-in demo EHR. The HTTP edges (Express shell, lean node:https edge) are covered by the
 * integration suites; here each step's refusal is an answer, never a throw.
 */
const PATIENT = 'demo-patient-de-graaf';
const TOKEN = 'tok-core-de-graaf-000000001';
const TOKEN_OTHER_SERVICE = 'tok-core-other-service-0001';
const log = createSilentLogger();

let directory: ServiceDirectory;
let core: CoreContext;
let audit: MemoryAuditLog;

/** An adapter whose searches never settle unless the deadline aborts them. */
function hanging(adapter: Adapter): Adapter {
  return { ...adapter, id: 'hung', search: () => new Promise(() => undefined) };
}

beforeAll(async () => {
  const demo = await createDemoAdapter({ id: 'demo', kind: 'demo' }, { log, parseXml: parseFhirXml, compartment: compartmentPatients });
  directory = createServiceDirectory(
    [
      {
        name: 'demoziekenhuis',
        displayName: 'Demo',
        services: [
          { id: '48', standard: 'bgz-3', fhirVersion: 'STU3', adapter: 'demo', timeoutMs: 5000 },
          { id: 'mp9', standard: 'mp9-3.0', fhirVersion: 'R4', adapter: 'demo', timeoutMs: 5000 },
          { id: 'slow', standard: 'bgz-3', fhirVersion: 'STU3', adapter: 'hung', timeoutMs: 50 },
        ],
      },
    ],
    'https://gw.test',
    '/fhir/{provider}/{service}',
  );
  audit = new MemoryAuditLog();
  core = createCoreContext({
    directory,
    adapters: new Map([
      ['demo', demo],
      ['hung', hanging(demo)],
    ]),
    catalogues: await loadTestCatalogues(),
    verifier: createStaticTokenVerifier([
      { token: TOKEN, patientRef: PATIENT, provider: 'demoziekenhuis', services: ['48', 'mp9', 'slow'] },
      { token: TOKEN_OTHER_SERVICE, patientRef: PATIENT, provider: 'demoziekenhuis', services: ['mp9'] },
    ]),
    requireCertificateBinding: true,
    audit,
  });
});

function request(path: string, options: { token?: string; accept?: string; method?: string; traceId?: string; signal?: AbortSignal; query?: string } = {}): CoreRequest {
  let base;
  try {
    base = resolveBase(directory, path);
  } catch {
    base = undefined;
  }
  return {
    requestId: 'req-1',
    method: options.method ?? 'GET',
    base,
    rawQuery: options.query ?? '',
    headers: {
      accept: options.accept,
      authorization: options.token === undefined ? undefined : `Bearer ${options.token}`,
      contentType: undefined,
      contentLength: undefined,
      prefer: undefined,
      hasBody: false,
      traceId: options.traceId,
      sessionId: undefined,
    },
    peer: { hostnames: ['pgo.example.nl'], fingerprintSha256: 'AA' },
    body: undefined,
    signal: options.signal ?? AbortSignal.timeout(5000),
    log,
  };
}

const resourceOf = (answer: Answer): Record<string, unknown> => {
  if (answer.body.kind !== 'resource') throw new Error(`expected a resource answer, got ${answer.body.kind}`);
  return answer.body.resource as unknown as Record<string, unknown>;
};
const issueOf = (answer: Answer): { code: string; diagnostics: string } => (resourceOf(answer).issue as Array<{ code: string; diagnostics: string }>)[0]!;

describe('FHIR core: handle(request, context) without HTTP', () => {
  test('a search answers a searchset Bundle of the token patient only, with the record for the audit', async () => {
    const answer = await handle(request('/fhir/demoziekenhuis/48/Condition', { token: TOKEN }), core);
    expect(answer.status).toBe(200);
    expect(answer.headers['Cache-Control']).toBe('no-store');
    const bundle = resourceOf(answer);
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 2 });
    const entries = bundle.entry as Array<{ resource: { id: string }; search: { mode: string } }>;
    expect(entries.filter((e) => e.search.mode === 'match').map((e) => e.resource.id).sort()).toEqual(['demo-condition-de-graaf-1', 'demo-condition-de-graaf-2']);
    expect(answer.record).toMatchObject({ interaction: 'search-type', resourceType: 'Condition', count: 2, route: '/fhir/demoziekenhuis/48/Condition' });
    expect(answer.record.grant?.patientRef).toBe(PATIENT);
  });

  test("a read of the patient's own resource answers it; another patient's is a 404", async () => {
    const own = await handle(request('/fhir/demoziekenhuis/48/Condition/demo-condition-de-graaf-1', { token: TOKEN }), core);
    expect(own.status).toBe(200);
    expect(resourceOf(own)).toMatchObject({ resourceType: 'Condition', id: 'demo-condition-de-graaf-1' });
    expect(own.record).toMatchObject({ interaction: 'read', count: 1, route: '/fhir/demoziekenhuis/48/Condition/:id' });
    const other = await handle(request('/fhir/demoziekenhuis/48/Condition/demo-condition-van-leeuwen-1', { token: TOKEN }), core);
    expect(other.status).toBe(404);
    expect(issueOf(other).code).toBe('not-found');
  });

  test('metadata answers the CapabilityStatement of the base without a token, in XML when asked', async () => {
    const json = await handle(request('/fhir/demoziekenhuis/mp9/metadata'), core);
    expect(json.status).toBe(200);
    expect(resourceOf(json)).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1' });
    const xml = await handle(request('/fhir/demoziekenhuis/48/metadata', { accept: 'application/fhir+xml' }), core);
    expect(xml.body).toMatchObject({ kind: 'resource', format: 'xml', fhirVersion: 'STU3' });
  });

  test('metadata is built and serialised once per service and format, and its bytes are the statement', async () => {
    const first = await handle(request('/fhir/demoziekenhuis/48/metadata'), core);
    const second = await handle(request('/fhir/demoziekenhuis/48/metadata'), core);
    expect(second.body).toBe(first.body);
    if (first.body.kind !== 'resource') throw new Error('expected a resource answer');
    expect(first.body.serialized).toBe(JSON.stringify(first.body.resource));
    const xml = await handle(request('/fhir/demoziekenhuis/48/metadata', { accept: 'application/fhir+xml' }), core);
    if (xml.body.kind !== 'resource' || xml.body.serialized === undefined) throw new Error('expected serialised XML');
    expect(parseFhirXml(xml.body.serialized, 'STU3')).toEqual(first.body.resource);
    // Another service has its own statement.
    const other = await handle(request('/fhir/demoziekenhuis/mp9/metadata'), core);
    expect(other.body).not.toBe(first.body);
  });

  test('401 without a token, with the RFC 6750 challenge', async () => {
    const answer = await handle(request('/fhir/demoziekenhuis/48/Condition'), core);
    expect(answer.status).toBe(401);
    expect(answer.headers['WWW-Authenticate']).toBe('Bearer realm="fhir"');
    expect(answer.record.reason).toBe('token_missing');
  });

  test('403 for a token that does not cover the data service', async () => {
    const answer = await handle(request('/fhir/demoziekenhuis/48/Condition', { token: TOKEN_OTHER_SERVICE }), core);
    expect(answer.status).toBe(403);
    expect(issueOf(answer).code).toBe('forbidden');
    expect(answer.record.reason).toBe('service_not_granted');
  });

  test('404 for a path that is no configured base', async () => {
    const answer = await handle(request('/fhir/elders/48/Condition', { token: TOKEN }), core);
    expect(answer.status).toBe(404);
    expect(answer.record).toMatchObject({ reason: 'unknown_base', route: '/fhir' });
  });

  test('406 for a media type the base does not serve', async () => {
    const answer = await handle(request('/fhir/demoziekenhuis/48/Condition', { token: TOKEN, accept: 'image/png' }), core);
    expect(answer.status).toBe(406);
    expect(answer.record.reason).toBe('not_acceptable');
  });

  test('400 for a malformed MedMij-Request-ID and for a search the catalogue does not allow', async () => {
    const trace = await handle(request('/fhir/demoziekenhuis/48/Condition', { token: TOKEN, traceId: 'not a uuid <script>' }), core);
    expect(trace.status).toBe(400);
    expect(trace.record.reason).toBe('bad_trace_header');
    const byPatient = await handle(request('/fhir/demoziekenhuis/48/Condition', { token: TOKEN, query: 'patient=Patient/demo-patient-van-leeuwen' }), core);
    expect(byPatient.status).toBe(400);
    expect(issueOf(byPatient).diagnostics).not.toContain('van-leeuwen');
  });

  test("the request's deadline aborts a search the adapter never answers: 504, and 499 when the client went away", async () => {
    const timedOut = await handle(request('/fhir/demoziekenhuis/slow/Condition', { token: TOKEN, signal: AbortSignal.timeout(50) }), core);
    expect(timedOut.status).toBe(504);
    expect(issueOf(timedOut).code).toBe('timeout');
    expect(timedOut.record.reason).toBe('adapter_timeout');
    const gone = new AbortController();
    const pending = handle(request('/fhir/demoziekenhuis/slow/Condition', { token: TOKEN, signal: gone.signal }), core);
    gone.abort(new DOMException('client_disconnected', 'AbortError'));
    const answer = await pending;
    expect(answer.status).toBe(499);
    expect(answer.body.kind).toBe('empty');
  });
});
