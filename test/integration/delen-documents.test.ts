import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import { resolveDatePlaceholders } from '../../adapters/demo/resolve-date-placeholders.js';
import type { Resource } from '../../adapters/types.js';
import { parseFhirXml } from '../../gateway/fhir/fhir-xml.js';
import { fromProjectRoot } from '../../gateway/project-root.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { listen, type Backend } from './adapters-backends.js';

/**
 * Delen of documents (PDF/A, IHE MHD Provide Document Bundle): the PGO POSTs a `transaction`
 * Bundle (Patient, DocumentManifest, DocumentReference, Binary linked by urn:uuid) over
 * two-sided TLS; the gateway stores it all or nothing, and the document is then served back by
 * PDF/A Verzamelen (51) to the same patient, and to nobody else.
 */
const PATIENT = 'demo-patient-de-graaf';
const OTHER = 'demo-patient-van-leeuwen';
const DOCS = 'pdfa-delen'; // the Delen documents service; its GegevensdienstId is the operator's to configure
const TOKEN_SEND = 'tok-docs-de-graaf-000000001';
const TOKEN_SEND_OTHER = 'tok-docs-van-leeuwen-00002';
const TOKEN_51 = 'tok-pdfa-de-graaf-000000003';
const TOKEN_51_OTHER = 'tok-pdfa-van-leeuwen-00004';
const TOKEN_53 = 'tok-vitals-de-graaf-0000005';
const FIXTURES = path.resolve(fromProjectRoot(), '..', 'shared', 'fixtures', 'nictiz', 'stu3-pdfa-test');
const haveFixtures = existsSync(FIXTURES);
if (!haveFixtures) console.log(`skipping the Nictiz PDF/A send bundles: ${FIXTURES} is absent`);

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
}

let gw: TestGateway;
let tls: { ca: string; cert: string; key: string };

function tokensYaml(): string {
  return [
    { token: TOKEN_SEND, patientRef: PATIENT, services: `["${DOCS}"]` },
    { token: TOKEN_SEND_OTHER, patientRef: OTHER, services: `["${DOCS}"]` },
    { token: TOKEN_51, patientRef: PATIENT, services: '["51"]' },
    { token: TOKEN_51_OTHER, patientRef: OTHER, services: '["51"]' },
    { token: TOKEN_53, patientRef: PATIENT, services: '["53"]' },
  ].map((t) => `    - { token: ${t.token}, patientRef: ${t.patientRef}, provider: demoziekenhuis, services: ${t.services} }`).join('\n');
}

function send(g: TestGateway, method: 'POST' | 'GET', target: string, o: { token: string; body?: string; contentType?: string; accept?: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'medmij-request-id': randomUUID(), 'x-correlation-id': randomUUID(), authorization: `Bearer ${o.token}` };
    if (o.accept !== undefined) headers['accept'] = o.accept;
    if (o.body !== undefined) {
      headers['content-type'] = o.contentType ?? 'application/fhir+json';
      headers['content-length'] = String(Buffer.byteLength(o.body));
      headers['prefer'] = 'return=representation';
    }
    const req = https.request(`${g.urls.node}${target}`, { method, ...tls, servername: 'localhost', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

const json = (a: Answer): Record<string, unknown> => JSON.parse(a.body.toString('utf8')) as Record<string, unknown>;
type Entry = { resource?: Resource; response: { status: string; location?: string } };
const share = (body: string, o: { token?: string; contentType?: string; service?: string } = {}, g = gw) =>
  send(g, 'POST', `/fhir/demoziekenhuis/${o.service ?? DOCS}`, { token: o.token ?? TOKEN_SEND, body, accept: 'application/fhir+json', ...(o.contentType ? { contentType: o.contentType } : {}) });
const documentsOf = async (token: string, g = gw): Promise<Resource[]> => {
  const a = await send(g, 'GET', '/fhir/demoziekenhuis/51/DocumentReference', { token, accept: 'application/fhir+json' });
  expect(a.status).toBe(200);
  return ((json(a)['entry'] ?? []) as Array<{ resource: Resource }>).map((e) => e.resource);
};

const PDF = Buffer.from('%PDF-1.7\n% synthetic test document\n%%EOF\n');

/** A small MHD transaction as a PGO sends it: the sender, a manifest, one DocumentReference and its Binary. */
function documentTransaction(o: { subject?: string; dropIndexed?: boolean; binaryType?: string } = {}): Resource {
  const patient = `urn:uuid:${randomUUID()}`;
  const manifest = `urn:uuid:${randomUUID()}`;
  const reference = `urn:uuid:${randomUUID()}`;
  const binary = `urn:uuid:${randomUUID()}`;
  const subject = { reference: o.subject ?? patient };
  const docRef: Record<string, unknown> = {
    resourceType: 'DocumentReference',
    meta: { profile: ['http://nictiz.nl/fhir/StructureDefinition/IHE.MHD.Minimal.DocumentReference'] },
    masterIdentifier: { system: 'urn:ietf:rfc:3986', value: `urn:oid:2.25.${Date.now()}` },
    status: 'current',
    type: { coding: [{ system: 'http://snomed.info/sct', code: '11071000146104' }] },
    subject,
    indexed: '2026-12-01T10:00:00+01:00',
    content: [{ attachment: { contentType: 'application/pdf', url: binary, title: 'Eigen meetverslag' } }],
  };
  if (o.dropIndexed) delete docRef['indexed'];
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { fullUrl: patient, resource: { resourceType: 'Patient', name: [{ family: 'Synthetisch' }] }, request: { method: 'POST', url: 'Patient' } },
      {
        fullUrl: manifest,
        resource: {
          resourceType: 'DocumentManifest',
          meta: { profile: ['http://nictiz.nl/fhir/StructureDefinition/IHE.MHD.DocumentManifest'] },
          masterIdentifier: { system: 'urn:ietf:rfc:3986', value: `urn:oid:2.25.${Date.now()}1` },
          status: 'current',
          subject,
          created: '2026-12-01T10:00:00+01:00',
          content: [{ pReference: { reference } }],
        },
        request: { method: 'POST', url: 'DocumentManifest' },
      },
      { fullUrl: reference, resource: docRef, request: { method: 'POST', url: 'DocumentReference' } },
      { fullUrl: binary, resource: { resourceType: 'Binary', contentType: o.binaryType ?? 'application/pdf', content: PDF.toString('base64') }, request: { method: 'POST', url: 'Binary' } },
    ],
  };
}

beforeAll(async () => {
  gw = await startTestGateway({
    mode: 'test',
    servicesYaml: [
      '      - { id: "51", standard: pdfa-3, fhirVersion: STU3, adapter: demo-ehr }',
      '      - { id: "53", standard: zelfmetingen-delen-2, fhirVersion: STU3, adapter: demo-ehr }',
      `      - { id: "${DOCS}", standard: pdfa-delen-3, fhirVersion: STU3, adapter: demo-ehr }`,
    ].join('\n'),
    extraYaml: `qualification:\n  tokens:\n${tokensYaml()}`,
  });
  tls = { ca: await readFile(gw.pki.caCert, 'utf8'), cert: await readFile(gw.pki.pgoListedCert, 'utf8'), key: await readFile(gw.pki.pgoListedKey, 'utf8') };
});
afterAll(() => gw.close());

describe('Delen of a document: a transaction over mTLS, served back by PDF/A Verzamelen (51)', () => {
  it('stores manifest, reference and Binary for the token patient, with the urn:uuid links resolved, and serves the PDF back through 51', async () => {
    const before = (await documentsOf(TOKEN_51)).length;
    const a = await share(JSON.stringify(documentTransaction()));
    expect(a.status).toBe(200);
    const bundle = json(a);
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'transaction-response' });
    const entries = bundle['entry'] as Entry[];
    expect(entries.map((e) => e.response.status)).toEqual(['200 OK', '201 Created', '201 Created', '201 Created']);
    const [, manifest, docRef, binary] = entries.map((e) => e.resource!);
    expect(binary!['securityContext']).toEqual({ reference: `Patient/${PATIENT}` });
    expect(docRef!['subject']).toEqual({ reference: `Patient/${PATIENT}` });
    const url = (docRef!['content'] as Array<{ attachment: { url: string } }>)[0]!.attachment.url;
    expect(url).toBe(`Binary/${String(binary!.id)}`);
    expect(manifest!['content']).toEqual([{ pReference: { reference: `DocumentReference/${String(docRef!.id)}` } }]);

    const served = await documentsOf(TOKEN_51);
    expect(served).toHaveLength(before + 1);
    expect(served.map((r) => r.id)).toContain(docRef!.id);
    const pdf = await send(gw, 'GET', `/fhir/demoziekenhuis/51/${url}`, { token: TOKEN_51, accept: 'application/pdf' });
    expect(pdf.status).toBe(200);
    expect(pdf.contentType).toContain('application/pdf');
    expect(pdf.body.equals(PDF)).toBe(true);
    // Another patient's PDF/A token finds neither the reference nor the document.
    expect((await documentsOf(TOKEN_51_OTHER)).map((r) => r.id)).not.toContain(docRef!.id);
    expect((await send(gw, 'GET', `/fhir/demoziekenhuis/51/${url}`, { token: TOKEN_51_OTHER, accept: 'application/pdf' })).status).toBe(404);
    // The audit trail says who stored what for whom, never the content.
    const audit = gw.audit.events.filter((e) => e.type === 'delen_write' && e.outcome === 'success').at(-1)!;
    expect(audit).toMatchObject({ patientRef: PATIENT, serviceId: DOCS, providerId: 'demoziekenhuis', count: 3 });
    expect(audit.detail).toBe(`DocumentManifest/${String(manifest!.id)} DocumentReference/${String(docRef!.id)} Binary/${String(binary!.id)}`);
    expect(JSON.stringify(audit)).not.toContain(PDF.toString('base64'));
  });

  it('refuses the whole transaction when one entry is invalid, naming the entry and element, and stores nothing', async () => {
    const before = (await documentsOf(TOKEN_51)).length;
    const missing = await share(JSON.stringify(documentTransaction({ dropIndexed: true })));
    expect(missing.status).toBe(422);
    const outcome = json(missing) as { resourceType: string; issue: Array<{ code: string; diagnostics: string }> };
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0]!.diagnostics).toMatch(/nothing was stored/);
    expect(outcome.issue.slice(1).map((i) => i.diagnostics)).toEqual(expect.arrayContaining([expect.stringMatching(/^Bundle\.entry\[2\]: DocumentReference\.indexed/)]));
    const wordDoc = await share(JSON.stringify(documentTransaction({ binaryType: 'application/msword' })));
    expect(wordDoc.status).toBe(422);
    expect(JSON.stringify(json(wordDoc))).toMatch(/Bundle\.entry\[3\]: Binary\.contentType is not one of application\/pdf/);
    const foreign = await share(JSON.stringify(documentTransaction({ subject: `Patient/${OTHER}` })));
    expect(foreign.status).toBe(403);
    expect(gw.audit.events.filter((e) => e.type === 'compartment_violation' && e.reason === 'foreign_patient_in_shared_data').length).toBeGreaterThan(0);
    expect(await documentsOf(TOKEN_51)).toHaveLength(before);
  });

  it('takes a transaction only (no batch, no plain create) on the documents service, and no transaction on the self-measurements one', async () => {
    const asBatch = { ...documentTransaction(), type: 'batch' };
    const batch = await share(JSON.stringify(asBatch));
    expect(batch.status).toBe(400);
    expect(JSON.stringify(json(batch))).toMatch(/Bundle of type transaction/);
    const create = await send(gw, 'POST', `/fhir/demoziekenhuis/${DOCS}/DocumentReference`, { token: TOKEN_SEND, body: JSON.stringify((documentTransaction().entry as Array<{ resource: Resource }>)[2]!.resource), accept: 'application/fhir+json' });
    expect(create.status).toBe(405);
    expect(json(create)).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-supported', diagnostics: expect.stringMatching(/Bundle POSTed to the base/) }] });
    const vitalsCreate = await send(gw, 'POST', '/fhir/demoziekenhuis/53/Observation', { token: TOKEN_53, body: JSON.stringify({ resourceType: 'Observation' }), accept: 'application/fhir+json' });
    expect(vitalsCreate.status).toBe(405);
    const tx = await share(JSON.stringify(documentTransaction()), { token: TOKEN_53, service: '53' });
    expect(tx.status).toBe(400);
    expect(JSON.stringify(json(tx))).toMatch(/Bundle of type batch/);
  });

  it('says in each base\'s CapabilityStatement what it takes: transaction on documents, batch on self-measurements, create nowhere, nothing on Verzamelen', async () => {
    type Rest = { interaction?: Array<{ code: string }>; resource: Array<{ type: string; interaction: Array<{ code: string }> }> };
    const restOf = async (service: string): Promise<Rest> => {
      const a = await send(gw, 'GET', `/fhir/demoziekenhuis/${service}/metadata`, { token: TOKEN_SEND, accept: 'application/fhir+json' });
      expect(a.status).toBe(200);
      const statement = json(a);
      expect(statement['resourceType']).toBe('CapabilityStatement');
      return (statement['rest'] as Rest[])[0]!;
    };
    const creates = (rest: Rest) => rest.resource.filter((r) => r.interaction.some((i) => i.code === 'create')).map((r) => r.type);
    const docs = await restOf(DOCS);
    expect(docs.interaction).toEqual([{ code: 'transaction' }]);
    expect(creates(docs)).toEqual([]);
    const vitals = await restOf('53');
    expect(vitals.interaction).toEqual([{ code: 'batch' }]);
    expect(creates(vitals)).toEqual([]);
    const verzamelen = await restOf('51');
    expect(verzamelen.interaction).toBeUndefined();
    expect(verzamelen.resource.map((r) => r.type)).toContain('DocumentReference');
  });

  (haveFixtures ? it : it.skip)('accepts both Nictiz PDF/A send bundles (XML, 2-3 MB) and serves each document back byte for byte', async () => {
    for (const file of ['medmij-pdfa-Bundle-kwalificatie1.xml', 'medmij-pdfa-Bundle-kwalificatie2.xml']) {
      const xml = resolveDatePlaceholders(await readFile(path.join(FIXTURES, file), 'utf8'), new Date());
      const sent = parseFhirXml(xml, 'STU3');
      const sentBinaries = (sent['entry'] as Array<{ resource: Resource }>).filter((e) => e.resource.resourceType === 'Binary').map((e) => String(e.resource['content']));
      const a = await share(xml, { contentType: 'application/fhir+xml' });
      expect({ file, status: a.status }).toEqual({ file, status: 200 });
      const entries = json(a)['entry'] as Entry[];
      expect(entries.filter((e) => e.response.status === '201 Created')).toHaveLength(entries.length - 1);
      const refs = entries.map((e) => e.resource).filter((r): r is Resource => r?.resourceType === 'DocumentReference');
      const got: string[] = [];
      for (const r of refs) {
        const url = (r['content'] as Array<{ attachment: { url: string } }>)[0]!.attachment.url;
        expect(url).toMatch(/^Binary\/[0-9a-f-]{36}$/);
        const pdf = await send(gw, 'GET', `/fhir/demoziekenhuis/51/${url}`, { token: TOKEN_51, accept: 'application/pdf' });
        expect(pdf.status).toBe(200);
        got.push(pdf.body.toString('base64'));
      }
      expect(got.sort()).toEqual([...sentBinaries].sort());
    }
    // Two 2-3 MB XML documents parsed on both sides: generous for a loaded machine.
  }, 120_000);
});

describe('Delen of a document through the fhir adapter: the EHR down stores nothing', () => {
  let ehrGw: TestGateway;
  let ehr: Backend;
  let mode: 'up' | 'down' = 'up';
  const received: Resource[] = [];
  beforeAll(async () => {
    ehr = await listen((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (mode === 'down') {
          res.writeHead(503).end();
          return;
        }
        const tx = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type: string; entry: Array<{ resource: Resource }> };
        const stored = tx.entry.map((e, i) => ({ ...e.resource, id: `ehr-${received.length + i}` }));
        received.push(...stored);
        res.writeHead(200, { 'content-type': 'application/fhir+json' });
        res.end(JSON.stringify({ resourceType: 'Bundle', type: 'transaction-response', entry: stored.map((r) => ({ resource: r, response: { status: '201 Created' } })) }));
      });
    });
    ehrGw = await startTestGateway({
      mode: 'test',
      certsDir: gw.pki.dir,
      servicesYaml: `      - { id: "${DOCS}", standard: pdfa-delen-3, fhirVersion: STU3, adapter: ehr }`,
      adaptersYaml: `  - { id: ehr, kind: fhir, baseUrl: "${ehr.url}/fhir", fhirVersion: STU3, resourceTypes: [DocumentReference, DocumentManifest, Binary, Patient] }`,
      extraYaml: `qualification:\n  tokens:\n    - { token: ${TOKEN_SEND}, patientRef: ${PATIENT}, provider: demoziekenhuis, services: ["${DOCS}"] }`,
    });
  });
  afterAll(async () => {
    await ehrGw?.close();
    await ehr?.close();
  });

  it('forwards the transaction once, answers with the EHR ids, and is a 503 with nothing stored when the EHR is down', async () => {
    const a = await share(JSON.stringify(documentTransaction()), {}, ehrGw);
    expect(a.status).toBe(200);
    expect((json(a)['entry'] as Entry[]).map((e) => e.response.location)).toEqual([`Patient/${PATIENT}`, 'DocumentManifest/ehr-0', 'DocumentReference/ehr-1', 'Binary/ehr-2']);
    expect(received.map((r) => r.resourceType)).toEqual(['DocumentManifest', 'DocumentReference', 'Binary']);
    mode = 'down';
    const down = await share(JSON.stringify(documentTransaction()), {}, ehrGw);
    expect(down.status).toBe(503);
    expect(json(down)).toMatchObject({ resourceType: 'OperationOutcome' });
    expect(received).toHaveLength(3);
    expect(ehrGw.audit.events.filter((e) => e.type === 'delen_write').at(-1)).toMatchObject({ outcome: 'failure', count: 0, reason: 'ADAPTER_UPSTREAM_UNAVAILABLE' });
  });
});
