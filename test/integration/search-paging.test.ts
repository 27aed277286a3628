import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { redisReachable, TEST_REDIS_URL } from '../helpers/redis.js';
import { listen, type Backend } from './adapters-backends.js';

/**
 * Paging over a stable, short-lived result (search/result-pages.ts), through the composed gateway
 * (real mTLS) in front of an EHR with a FHIR API whose data the test changes between pages: page
 * 2 comes from the stored result, not from the EHR, and it does not shift. Once with memory
 * storage, once with the real Redis (own key prefix).
 */
const PUBLIC_NODE_URL = 'https://localhost:9443';
const BASE_PATH = '/fhir/demoziekenhuis/48';
const TOKEN_A = 'paging-token-patient-a-0001';
const TOKEN_A_OTHER_CLIENT = 'paging-token-patient-a-0002';
const TOKEN_B = 'paging-token-patient-b-0001';

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

interface Ehr extends Backend {
  /** Conditions per patient, in the EHR's order; the test edits them. */
  readonly conditions: Map<string, Array<Record<string, unknown>>>;
  /** Every Condition search the EHR answered. */
  readonly searches: string[];
}

const condition = (id: string, patient: string): Record<string, unknown> => ({
  resourceType: 'Condition',
  id,
  subject: { reference: `Patient/${patient}` },
  code: { text: id },
});

async function startEhr(): Promise<Ehr> {
  const conditions = new Map<string, Array<Record<string, unknown>>>([
    ['patA', ['c1', 'c2', 'c3', 'c4', 'c5'].map((id) => condition(id, 'patA'))],
    ['patB', [condition('b1', 'patB')]],
  ]);
  const searches: string[] = [];
  const backend = await listen((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const [type] = url.pathname.replace(/^\/fhir\/?/, '').split('/');
    const send = (body: unknown): void => {
      res.writeHead(200, { 'content-type': 'application/fhir+json' });
      res.end(JSON.stringify(body));
    };
    if (type === 'metadata') return send({ resourceType: 'CapabilityStatement', status: 'active', kind: 'instance', fhirVersion: '3.0.2' });
    searches.push(`${type}${url.search}`);
    const patient = (url.searchParams.get('patient') ?? url.searchParams.get('subject') ?? '').replace(/^Patient\//, '');
    const found = type === 'Condition' ? (conditions.get(patient) ?? []) : [];
    return send({ resourceType: 'Bundle', type: 'searchset', total: found.length, entry: found.map((r) => ({ resource: r, search: { mode: 'match' } })) });
  });
  return { ...backend, conditions, searches };
}

type Storage = 'memory' | 'redis';
const haveRedis = await redisReachable();
if (!haveRedis) console.warn(`search-paging (Redis): skipped, no Redis answering at ${TEST_REDIS_URL}`);

describe.each<Storage>(['memory', 'redis'])('search paging with %s storage', (storage) => {
  const run = storage === 'redis' && !haveRedis ? test.skip : test;
  let ehr: Ehr;
  let gw: TestGateway;
  /** With Redis: a second replica sharing the store (and the PKI): it serves the pages the first stored. */
  let replica: TestGateway | undefined;
  let tls: { ca: string; cert: string; key: string };

  beforeAll(async () => {
    if (storage === 'redis' && !haveRedis) return;
    ehr = await startEhr();
    const token = (t: string, patientRef: string, clientId: string) => `    - { token: ${t}, patientRef: ${patientRef}, provider: demoziekenhuis, services: ["48"], clientId: ${clientId} }`;
    const storageYaml = `{ kind: redis, url: '${TEST_REDIS_URL}', keyPrefix: 'test:paging:${randomBytes(6).toString('hex')}:' }`;
    const options = {
      mode: 'test' as const,
      ...(storage === 'redis' ? { storageYaml } : {}),
      servicesYaml: '      - { id: "48", standard: bgz-3, fhirVersion: STU3, adapter: ehr }',
      adaptersYaml: `  - id: ehr
    kind: fhir
    baseUrl: ${ehr.url}/fhir
    fhirVersion: STU3
    resourceTypes: [Condition, Flag]
    timeoutMs: 3000`,
      extraYaml: `qualification:\n  tokens:\n${[token(TOKEN_A, 'patA', 'pgo-one'), token(TOKEN_A_OTHER_CLIENT, 'patA', 'pgo-two'), token(TOKEN_B, 'patB', 'pgo-one')].join('\n')}`,
    };
    gw = await startTestGateway(options);
    if (storage === 'redis') replica = await startTestGateway({ ...options, certsDir: gw.pki.dir });
    tls = {
      ca: await readFile(gw.pki.caCert, 'utf8'),
      cert: await readFile(gw.pki.pgoListedCert, 'utf8'),
      key: await readFile(gw.pki.pgoListedKey, 'utf8'),
    };
  }, 60_000);

  afterAll(async () => {
    await replica?.close();
    await gw?.close();
    await ehr?.close();
  });

  const get = (pathOrUrl: string, token: string, via: TestGateway = gw): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const target = pathOrUrl.startsWith(PUBLIC_NODE_URL) ? pathOrUrl.slice(PUBLIC_NODE_URL.length) : `${BASE_PATH}/${pathOrUrl}`;
      const req = https.get(
        `${via.urls.node}${target}`,
        { ...tls, servername: 'localhost', agent: false, headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
    });
  const link = (a: Answer, relation: string): string | undefined => (a.body['link'] as Array<{ relation: string; url: string }>).find((l) => l.relation === relation)?.url;
  const ids = (a: Answer): string[] => ((a.body['entry'] as Array<{ resource: { id: string } }> | undefined) ?? []).map((e) => e.resource.id);
  const issue = (a: Answer): string | undefined => (a.body['issue'] as Array<{ code: string }> | undefined)?.[0]?.code;

  run('page 2 comes from the stored result: no adapter call, and no shift when the EHR changes meanwhile', async () => {
    const before = ehr.searches.length;
    const first = await get('Condition?_count=2', TOKEN_A);
    expect(first.status).toBe(200);
    expect(first.body['total']).toBe(5);
    expect(ids(first)).toEqual(['c1', 'c2']);
    expect(ehr.searches.length).toBe(before + 1);
    const next = link(first, 'next');
    expect(next).toMatch(/[?&]_getpages=[A-Za-z0-9_-]{43}(&|$)/);
    expect(next).toMatch(/[?&]_getpagesoffset=2$/);

    // The EHR changes between page 1 and page 2: c1 goes (a refetch would serve c4, c5 as page 2).
    ehr.conditions.get('patA')!.splice(0, 1);

    const second = await get(next!, TOKEN_A);
    expect(second.status).toBe(200);
    expect(second.body['total']).toBe(5);
    expect(ids(second)).toEqual(['c3', 'c4']);
    const third = await get(link(second, 'next')!, TOKEN_A);
    expect(ids(third)).toEqual(['c5']);
    expect(link(third, 'next')).toBeUndefined();
    const back = await get(link(second, 'previous')!, TOKEN_A);
    expect(ids(back)).toEqual(['c1', 'c2']);
    // Pages 2, 3 and back to 1: not one call to the EHR.
    expect(ehr.searches.length).toBe(before + 1);

    // A new search sees the change.
    const fresh = await get('Condition?_count=2', TOKEN_A);
    expect(fresh.body['total']).toBe(4);
    expect(ids(fresh)).toEqual(['c2', 'c3']);
    expect(ehr.searches.length).toBe(before + 2);
  });

  run('a page key is bound to the client and the patient of the token that made it', async () => {
    const first = await get('Condition?_count=1', TOKEN_A);
    const next = link(first, 'next')!;
    const otherClient = await get(next, TOKEN_A_OTHER_CLIENT);
    expect(otherClient.status).toBe(403);
    expect(otherClient.body['resourceType']).toBe('OperationOutcome');
    expect(issue(otherClient)).toBe('forbidden');
    const otherPatient = await get(next, TOKEN_B);
    expect(otherPatient.status).toBe(403);
    expect(ids(otherPatient)).toEqual([]);
    // The owner still pages.
    expect((await get(next, TOKEN_A)).status).toBe(200);
  });

  run('an unknown key is 410 Gone, a malformed one 400, a key of another search 400', async () => {
    const unknown = await get(`Condition?_count=1&_getpages=${randomBytes(32).toString('base64url')}&_getpagesoffset=1`, TOKEN_A);
    expect(unknown.status).toBe(410);
    expect(unknown.body['resourceType']).toBe('OperationOutcome');
    expect(issue(unknown)).toBe('not-found');
    const malformed = await get('Condition?_count=1&_getpages=not-a-key&_getpagesoffset=1', TOKEN_A);
    expect(malformed.status).toBe(400);
    expect(issue(malformed)).toBe('invalid');
    const first = await get('Condition?_count=1', TOKEN_A);
    const key = new URL(link(first, 'next')!).searchParams.get('_getpages')!;
    const elsewhere = await get(`Flag?_getpages=${key}&_getpagesoffset=1`, TOKEN_A);
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body['resourceType']).toBe('OperationOutcome');
  });

  // Only with Redis: memory storage is one process (and refused in production).
  if (storage === 'redis') run('another replica sharing the Redis serves the pages the first one stored, without asking the EHR', async () => {
    const first = await get('Condition?_count=1', TOKEN_A);
    const before = ehr.searches.length;
    const second = await get(link(first, 'next')!, TOKEN_A, replica);
    expect(second.status).toBe(200);
    expect(second.body['total']).toBe(first.body['total']);
    expect(ids(second)).not.toEqual(ids(first));
    expect(ehr.searches.length).toBe(before);
    expect((await get(link(first, 'next')!, TOKEN_B, replica)).status).toBe(403);
  });

  run('a result that fits on one page stores nothing and has no page links', async () => {
    const all = await get('Condition?_count=50', TOKEN_B);
    expect(ids(all)).toEqual(['b1']);
    expect(link(all, 'next')).toBeUndefined();
    expect(link(all, 'self')).not.toContain('_getpages');
  });
});
