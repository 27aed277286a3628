import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Resource } from '../../adapters/types.js';
import { sendFhirJson, type FhirJsonAnswer } from '../helpers/delen.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { listen, type Backend } from './adapters-backends.js';

/**
 * Delen into an EHR that speaks its own XML (xml adapter): the shared measurements of one
 * request go as ONE mapped document, POSTed to the configured URL template with the token's
 * patient; only a 2xx counts as stored. The fake EHR keeps what it accepted and serves it back
 * as its XML export, so the round trip through Verzamelen (52) can be seen too.
 */
const PATIENT = 'pat-xml-1';
const TOKEN_53 = 'tok-xml-delen-000000000001';
const TOKEN_52 = 'tok-xml-vitals-00000000002';
const BP = 'http://nictiz.nl/fhir/StructureDefinition/zib-BloodPressure';

function bloodPressureBatch(pairs: ReadonlyArray<readonly [number, number]>, comment?: string): Resource {
  const patientUrn = `urn:uuid:${randomUUID()}`;
  return {
    resourceType: 'Bundle',
    type: 'batch',
    entry: [
      { fullUrl: patientUrn, resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
      ...pairs.map(([systolic, diastolic]) => ({
        fullUrl: `urn:uuid:${randomUUID()}`,
        resource: {
          resourceType: 'Observation',
          meta: { profile: [BP] },
          status: 'final',
          category: [{ coding: [{ system: 'http://hl7.org/fhir/observation-category', code: 'vital-signs' }] }],
          code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
          subject: { reference: patientUrn },
          effectiveDateTime: '2026-11-20T07:30:00+01:00',
          ...(comment === undefined ? {} : { comment }),
          component: [
            { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: systolic, unit: 'mmHg' } },
            { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: { value: diastolic, unit: 'mmHg' } },
          ],
        },
        request: { method: 'POST', url: 'Observation' },
      })),
    ],
  };
}

describe('Delen into an XML EHR through the xml adapter', () => {
  let gw: TestGateway;
  let ehr: Backend;
  let tls: { ca: string; cert: string; key: string };
  let mode: 'up' | 'down' | 'refuse' = 'up';
  const posted: Array<{ url: string; contentType: string; body: string }> = [];
  const stored: string[] = [];

  beforeAll(async () => {
    ehr = await listen((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (req.method === 'POST') {
          posted.push({ url: req.url ?? '', contentType: String(req.headers['content-type'] ?? ''), body });
          if (mode === 'down') return void res.writeHead(503).end();
          if (mode === 'refuse') return void res.writeHead(400).end();
          stored.push(...(body.match(/<meting [\s\S]*?<\/meting>/g) ?? []));
          return void res.writeHead(201).end();
        }
        if (req.url === `/ehr/patients/${PATIENT}/metingen`) {
          res.writeHead(200, { 'content-type': 'application/xml' });
          return void res.end(`<?xml version="1.0"?><metingen>${stored.join('')}</metingen>`);
        }
        res.writeHead(404).end();
      });
    });
    const adapter = {
      id: 'ehr-xml', kind: 'xml', baseUrl: `${ehr.url}/ehr`, fhirVersion: 'STU3', recordElement: 'meting',
      write: { url: '/patients/{patient}/metingen', root: 'metingen' },
      resources: {
        Observation: {
          search: '/patients/{patient}/metingen', patientPath: '@patient', mapping: 'bp',
          write: {
            element: 'meting',
            fields: { loinc: 'code.coding[0].code', status: 'status', moment: 'effectiveDateTime', boven: 'component[code=8480-6].valueQuantity.value', onder: 'component[code=8462-4].valueQuantity.value', opmerking: 'comment' },
          },
        },
      },
      mappings: {
        bp: {
          resourceType: 'Observation',
          template: { meta: { profile: [BP] }, category: [{ coding: [{ system: 'http://hl7.org/fhir/observation-category', code: 'vital-signs' }] }] },
          fields: [
            { to: 'id', from: '@id', required: true },
            { to: 'status', from: 'status', required: true },
            { to: 'code.coding[0].system', value: 'http://loinc.org' },
            { to: 'code.coding[0].code', from: 'loinc', type: 'code' },
            { to: 'subject.reference', template: 'Patient/{@patient}' },
            { to: 'effectiveDateTime', from: 'moment', type: 'dateTime' },
            { to: 'component[0].code.coding[0].code', value: '8480-6' },
            { to: 'component[0].valueQuantity.value', from: 'boven', type: 'decimal' },
            { to: 'component[1].code.coding[0].code', value: '8462-4' },
            { to: 'component[1].valueQuantity.value', from: 'onder', type: 'decimal' },
          ],
        },
      },
    };
    gw = await startTestGateway({
      mode: 'test',
      servicesYaml: [
        '      - { id: "52", standard: vitals-2, fhirVersion: STU3, adapter: ehr-xml }',
        '      - { id: "53", standard: zelfmetingen-delen-2, fhirVersion: STU3, adapter: ehr-xml }',
      ].join('\n'),
      adaptersYaml: `  - ${JSON.stringify(adapter)}`,
      extraYaml: `qualification:\n  tokens:\n    - { token: ${TOKEN_53}, patientRef: ${PATIENT}, provider: demoziekenhuis, services: ["53"] }\n    - { token: ${TOKEN_52}, patientRef: ${PATIENT}, provider: demoziekenhuis, services: ["52"] }`,
    });
    tls = { ca: await readFile(gw.pki.caCert, 'utf8'), cert: await readFile(gw.pki.pgoListedCert, 'utf8'), key: await readFile(gw.pki.pgoListedKey, 'utf8') };
  });
  afterAll(async () => {
    await gw?.close();
    await ehr?.close();
  });

  const send = (method: 'POST' | 'GET', target: string, token: string, body?: string) => sendFhirJson(gw, tls, method, target, token, body);
  const statuses = (a: FhirJsonAnswer) => (a.json['entry'] as Array<{ response: { status: string } }>).map((e) => e.response.status);

  it('POSTs one mapped document for the token patient, answers 201 per entry once the EHR took it, and serves it back through 52', async () => {
    const a = await send('POST', '/fhir/demoziekenhuis/53', TOKEN_53, JSON.stringify(bloodPressureBatch([[118, 76], [122, 80]], 'na het </opmerking><meting id="x"> sporten & "rust"')));
    expect(a.status).toBe(200);
    expect(statuses(a)).toEqual(['200 OK', '201 Created', '201 Created']);
    const ids = (a.json['entry'] as Array<{ resource?: Resource }>).slice(1).map((e) => String(e.resource!.id));
    expect(posted).toHaveLength(1);
    expect(posted[0]!.url).toBe(`/ehr/patients/${PATIENT}/metingen`);
    expect(posted[0]!.contentType).toMatch(/^application\/xml/);
    // One record per measurement, the id the gateway assigned and the token's patient as attributes; values escaped.
    expect(posted[0]!.body.match(/<meting id="[^"]+" patient="[^"]+">/g)).toEqual(ids.map((id) => `<meting id="${id}" patient="${PATIENT}">`));
    expect(posted[0]!.body).toContain('<boven>118</boven><onder>76</onder><opmerking>na het &lt;/opmerking&gt;&lt;meting id=&quot;x&quot;&gt; sporten &amp; &quot;rust&quot;</opmerking>');
    const served = await send('GET', '/fhir/demoziekenhuis/52/Observation?code=http://loinc.org|85354-9', TOKEN_52);
    expect(served.status).toBe(200);
    const back = ((served.json['entry'] ?? []) as Array<{ resource: Resource }>).map((e) => e.resource);
    expect(back.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(back.find((r) => r.id === ids[0])).toMatchObject({ subject: { reference: `Patient/${PATIENT}` }, component: [{ valueQuantity: { value: 118 } }, { valueQuantity: { value: 76 } }] });
  });

  it('EHR down → 503 and EHR refusing → 422 per entry: nothing answered as stored', async () => {
    const before = stored.length;
    mode = 'down';
    const down = await send('POST', '/fhir/demoziekenhuis/53', TOKEN_53, JSON.stringify(bloodPressureBatch([[130, 85]])));
    expect(down.status).toBe(503);
    expect(down.json).toMatchObject({ resourceType: 'OperationOutcome' });
    mode = 'refuse';
    const refused = await send('POST', '/fhir/demoziekenhuis/53', TOKEN_53, JSON.stringify(bloodPressureBatch([[131, 86], [132, 87]])));
    expect(refused.status).toBe(200);
    expect(statuses(refused)).toEqual(['200 OK', '422 Unprocessable Entity', '422 Unprocessable Entity']);
    mode = 'up';
    expect(stored).toHaveLength(before);
  });
});
