import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PUBLIC_BASE, startDocumentsGateway, syntheticPdf, type Answer, type DocumentsGateway } from './documents-harness.js';

/**
 * PDF/A 3.x through the composed gateway (mTLS, static qualification tokens, the demo EHR on a
 * folder of synthetic STU3 resources written here): the document searches with their date
 * windows, following `attachment.url` to the document, and the access rule for `Binary/{id}`
 * (gateway/fhir/binary-access.ts) for the token's patient, another patient and no token.
 */
const A = 'doc-pat-a';
const B = 'doc-pat-b';
const TOKEN_A = 'pdfa-token-patient-a-0001';
const TOKEN_B = 'pdfa-token-patient-b-0002';

const pdfs: Record<string, Buffer> = {
  'pdf-a-1': syntheticPdf('a-1'),
  'pdf-a-2': syntheticPdf('a-2'),
  'pdf-a-3': syntheticPdf('a-3'),
  'pdf-a-4': syntheticPdf('a-4'),
  'pdf-b-1': syntheticPdf('b-1'),
  'sc-a': syntheticPdf('sc-a'),
  'sc-b-linked-a': syntheticPdf('sc-b'),
  orphan: syntheticPdf('orphan'),
};

const patient = (id: string) => ({ resourceType: 'Patient', id, name: [{ family: `Test-${id}` }] });
const docRef = (id: string, who: string, status: string, indexed: string, url: string) => ({
  resourceType: 'DocumentReference',
  id,
  status,
  subject: { reference: `Patient/${who}`, display: 'patient' },
  indexed,
  content: [{ attachment: { contentType: 'application/pdf', url, title: `document ${id}` } }],
});
const manifest = (id: string, who: string, created: string, binary: string) => ({
  resourceType: 'DocumentManifest',
  id,
  status: 'current',
  subject: { reference: `Patient/${who}`, display: 'patient' },
  created,
  content: [{ pReference: { reference: `Binary/${binary}`, display: 'document' } }],
});
const binary = (id: string, securityContext?: string) => ({
  resourceType: 'Binary',
  id,
  contentType: 'application/pdf',
  ...(securityContext ? { securityContext: { reference: securityContext } } : {}),
  content: pdfs[id]!.toString('base64'),
});

const resources = [
  patient(A),
  patient(B),
  docRef('dr-a-1', A, 'current', '2024-03-10T10:00:00Z', 'Binary/pdf-a-1'),
  docRef('dr-a-2', A, 'current', '2024-05-20T09:30:00Z', `${PUBLIC_BASE}/Binary/pdf-a-2`),
  docRef('dr-a-3', A, 'superseded', '2024-04-01T08:00:00Z', 'Binary/pdf-a-3'),
  docRef('dr-b-1', B, 'current', '2024-04-15T12:00:00Z', 'Binary/pdf-b-1'),
  // Patient A's own index points at a Binary whose securityContext names B: the explicit owner wins.
  docRef('dr-a-4', A, 'entered-in-error', '2024-01-01T00:00:00Z', 'Binary/sc-b-linked-a'),
  manifest('dm-a-1', A, '2024-06-01T10:00:00Z', 'pdf-a-4'),
  manifest('dm-b-1', B, '2024-06-02T10:00:00Z', 'pdf-b-1'),
  binary('pdf-a-1'),
  binary('pdf-a-2'),
  binary('pdf-a-3'),
  binary('pdf-a-4'),
  binary('pdf-b-1'),
  binary('sc-a', `Patient/${A}`),
  binary('sc-b-linked-a', `Patient/${B}`),
  binary('orphan'),
];

let gw: DocumentsGateway;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'medmij-docs-data-'));
  for (const r of resources) await writeFile(path.join(dataDir, `${r.resourceType}-${r.id}.json`), JSON.stringify(r));
  gw = await startDocumentsGateway({
    adapterYaml: `  - { id: docs, kind: demo, datasets: { STU3: ["${dataDir}"] } }`,
    tokens: [
      { token: TOKEN_A, patientRef: A },
      { token: TOKEN_B, patientRef: B },
    ],
  });
});

afterAll(async () => {
  await gw?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const json = (a: Answer): Record<string, unknown> => JSON.parse(a.body.toString('utf8')) as Record<string, unknown>;
const matchIds = (a: Answer): string[] =>
  ((json(a)['entry'] ?? []) as Array<{ resource: { id: string }; search: { mode: string } }>)
    .filter((e) => e.search.mode === 'match')
    .map((e) => e.resource.id)
    .sort();
const issueCode = (a: Answer): string | undefined => {
  const body = json(a) as { resourceType?: string; issue?: Array<{ code?: string }> };
  return body.resourceType === 'OperationOutcome' ? body.issue?.[0]?.code : undefined;
};
const alarms = () => gw.audit.events.filter((e) => e.type === 'compartment_violation');

describe('document searches (PDF/A 3.x catalogue)', () => {
  test.each([
    ['DocumentReference?status=current', ['dr-a-1', 'dr-a-2']],
    ['DocumentReference?status=current&indexed=ge2024-04-01', ['dr-a-2']],
    ['DocumentReference?status=current&indexed=le2024-04-30', ['dr-a-1']],
    ['DocumentReference?status=current&indexed=ge2024-03-01&indexed=le2024-05-31', ['dr-a-1', 'dr-a-2']],
    ['DocumentReference?status=current&indexed=ge2024-03-11&indexed=le2024-05-19', []],
    ['DocumentManifest?status=current', ['dm-a-1']],
    ['DocumentManifest?status=current&created=ge2024-05-01&created=le2024-06-30', ['dm-a-1']],
    ['DocumentManifest?status=current&created=ge2024-07-01', []],
    // The government PGO's bare searches: no status, so no filter on it (FHIR search.html).
    ['DocumentReference', ['dr-a-1', 'dr-a-2', 'dr-a-3', 'dr-a-4']],
    ['DocumentReference?indexed=ge2024-04-01', ['dr-a-2', 'dr-a-3']],
  ])('%s → exactly the matching documents of the token’s patient', async (query, expected) => {
    const answer = await gw.get(query, { token: TOKEN_A, accept: 'application/fhir+json' });
    expect(answer.status).toBe(200);
    expect(json(answer)['type']).toBe('searchset');
    expect(matchIds(answer)).toEqual(expected);
  });

  test('patient B sees only B’s documents', async () => {
    expect(matchIds(await gw.get('DocumentReference?status=current', { token: TOKEN_B }))).toEqual(['dr-b-1']);
    expect(matchIds(await gw.get('DocumentManifest?status=current', { token: TOKEN_B }))).toEqual(['dm-b-1']);
  });

  test('a search outside the catalogue is 400 (only status=current; lt is no allowed prefix)', async () => {
    const superseded = await gw.get('DocumentReference?status=superseded', { token: TOKEN_A });
    expect(superseded.status).toBe(400);
    expect(issueCode(superseded)).toBe('not-supported');
    expect((await gw.get('DocumentReference?status=current&indexed=lt2024-04-01', { token: TOKEN_A })).status).toBe(400);
  });

  test('DocumentReference/$ is 400 with an OperationOutcome (PDF/A qualification)', async () => {
    const answer = await gw.get('DocumentReference/$', { token: TOKEN_A, accept: 'application/fhir+json' });
    expect(answer.status).toBe(400);
    expect(json(answer)['resourceType']).toBe('OperationOutcome');
  });
});

describe('following attachment.url to the document', () => {
  let urls: string[];

  beforeAll(async () => {
    const bundle = json(await gw.get('DocumentReference?status=current', { token: TOKEN_A }));
    urls = (bundle['entry'] as Array<{ resource: { content: Array<{ attachment: { url: string } }> } }>).map((e) => e.resource.content[0]!.attachment.url).sort();
  });

  test('attachment URLs are relative to the base they were served on, absolute ones on it included', () => {
    expect(urls).toEqual(['Binary/pdf-a-1', 'Binary/pdf-a-2']);
  });

  test('with the token: the PDF itself, application/pdf, inline, never cached, never sniffed', async () => {
    for (const url of urls) {
      const answer = await gw.get(url, { token: TOKEN_A });
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('application/pdf');
      expect(answer.headers['content-disposition']).toBe('inline');
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect(answer.body.equals(pdfs[url.split('/').pop()!]!)).toBe(true);
    }
  });

  test('without a token: 401 with the RFC 6750 challenge, nothing of the document', async () => {
    const answer = await gw.get(urls[0]!, {});
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(issueCode(answer)).toBe('security');
    expect(answer.body.includes('%PDF')).toBe(false);
  });

  test('with a token that is not accepted: 401 invalid_token', async () => {
    const answer = await gw.get(urls[0]!, { token: 'not-a-known-token-0000' });
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  test('with another patient’s token: 404 OperationOutcome, the same as an unknown id', async () => {
    for (const format of [undefined, 'application/fhir+json']) {
      const answer = await gw.get(urls[0]!, { token: TOKEN_B, ...(format ? { accept: format } : {}) });
      expect(answer.status).toBe(404);
      expect(issueCode(answer)).toBe('not-found');
      expect(answer.body.includes('%PDF')).toBe(false);
      expect(answer.body.toString('utf8')).not.toContain(pdfs['pdf-a-1']!.toString('base64').slice(0, 24));
      expect(answer.headers['content-disposition']).toBeUndefined();
    }
    const unknown = await gw.get('Binary/no-such-binary', { token: TOKEN_B });
    expect(unknown.status).toBe(404);
    expect(json(unknown)).toEqual(json(await gw.get(urls[0]!, { token: TOKEN_B })));
  });
});

describe('the Binary access rule', () => {
  test('a superseded document of the patient is still the patient’s; a DocumentManifest link counts too', async () => {
    const superseded = await gw.get('Binary/pdf-a-3', { token: TOKEN_A });
    expect(superseded.status).toBe(200);
    expect(superseded.body.equals(pdfs['pdf-a-3']!)).toBe(true);
    const viaManifest = await gw.get('Binary/pdf-a-4', { token: TOKEN_A });
    expect(viaManifest.status).toBe(200);
    expect(viaManifest.body.equals(pdfs['pdf-a-4']!)).toBe(true);
    expect((await gw.get('Binary/pdf-a-4', { token: TOKEN_B })).status).toBe(404);
  });

  test('a securityContext naming the patient suffices without any link', async () => {
    const answer = await gw.get('Binary/sc-a', { token: TOKEN_A });
    expect(answer.status).toBe(200);
    expect(answer.body.equals(pdfs['sc-a']!)).toBe(true);
  });

  test('a Binary that neither names nor is linked by the patient is 404 for everyone', async () => {
    for (const token of [TOKEN_A, TOKEN_B]) {
      const answer = await gw.get('Binary/orphan', { token });
      expect(answer.status).toBe(404);
      expect(issueCode(answer)).toBe('not-found');
    }
  });

  test('another patient’s explicit securityContext: 404 and an alarm, even when the patient’s index links it', async () => {
    const before = alarms().length;
    const foreign = await gw.get('Binary/sc-a', { token: TOKEN_B });
    expect(foreign.status).toBe(404);
    expect(foreign.body.includes('%PDF')).toBe(false);
    const linked = await gw.get('Binary/sc-b-linked-a', { token: TOKEN_A });
    expect(linked.status).toBe(404);
    const raised = alarms().slice(before);
    expect(raised).toHaveLength(2);
    expect(raised.map((e) => [e.resourceType, e.outcome, e.patientRef])).toEqual([
      ['Binary', 'alarm', B],
      ['Binary', 'alarm', A],
    ]);
    // An unknown id or an unlinked Binary is no alarm: nobody else's data was reached.
    await gw.get('Binary/orphan', { token: TOKEN_A });
    expect(alarms()).toHaveLength(before + 2);
  });

  test('Accept: FHIR JSON or XML gives the Binary resource, under the same rule', async () => {
    const asJson = await gw.get('Binary/pdf-a-1', { token: TOKEN_A, accept: 'application/fhir+json' });
    expect(asJson.status).toBe(200);
    expect(asJson.headers['content-type']).toMatch(/^application\/fhir\+json/);
    const resource = json(asJson);
    expect(resource).toMatchObject({ resourceType: 'Binary', id: 'pdf-a-1', contentType: 'application/pdf' });
    expect(Buffer.from(resource['content'] as string, 'base64').equals(pdfs['pdf-a-1']!)).toBe(true);

    const asXml = await gw.get('Binary/pdf-a-1', { token: TOKEN_A, accept: 'application/fhir+xml' });
    expect(asXml.status).toBe(200);
    expect(asXml.headers['content-type']).toMatch(/^application\/fhir\+xml/);
    const xml = asXml.body.toString('utf8');
    expect(xml).toMatch(/^(<\?xml[^>]*>\s*)?<Binary xmlns="http:\/\/hl7\.org\/fhir">/);
    expect(xml).toContain('<contentType value="application/pdf"/>');
    const base64 = /<content value="([^"]+)"\/>/.exec(xml)?.[1];
    expect(Buffer.from(base64 ?? '', 'base64').equals(pdfs['pdf-a-1']!)).toBe(true);

    expect((await gw.get('Binary/pdf-a-1', { token: TOKEN_B, accept: 'application/fhir+xml' })).status).toBe(404);
  });

  test('every document read leaves an audit record with the patient and no content', async () => {
    const before = gw.audit.events.length;
    await gw.get('Binary/pdf-a-1', { token: TOKEN_A });
    // The record is written when the server side of the exchange closes, just after the client's end.
    for (let i = 0; i < 50 && gw.audit.events.length === before; i += 1) await new Promise((r) => setTimeout(r, 10));
    const last = gw.audit.events.filter((e) => e.type === 'send_resource_response').at(-1);
    expect(last).toMatchObject({ resourceType: 'Binary', patientRef: A, count: 1, status: 200 });
    expect(JSON.stringify(gw.audit.events)).not.toContain('%PDF');
  });
});
