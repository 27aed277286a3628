import type http from 'node:http';
import { MappingFailed, UpstreamRejected, UpstreamTimeout, UpstreamUnavailable } from '../../adapters/index.js';
import { createXmlAdapter, xmlConfigSchema } from '../../adapters/xml/index.js';
import type { Adapter, AdapterContext } from '../../adapters/types.js';
import { createSilentLogger } from '../../gateway/observability/logger.js';
import { listen, type Backend } from './adapters-backends.js';
import { searchQueryOf } from '../helpers/search-query.js';

/** The xml adapter against a vendor XML service on loopback that misbehaves on demand. */
const A = 'pat-a';
const B = 'pat-b';
const rec = (id: string, patient: string, status = 'F', code = '1-8') =>
  `<v:record id="${id}" patient="${patient}"><v:status>${status}</v:status><v:code system="http://loinc.org">${code}</v:code></v:record>`;
const doc = (...records: string[]) => `<?xml version="1.0"?><v:labExport xmlns:v="urn:vendor:lab">${records.join('')}</v:labExport>`;

let handler: (res: http.ServerResponse, url: URL) => void;
let server: Backend;
const seen: string[] = [];
beforeAll(async () => {
  server = await listen((req, res) => {
    seen.push(req.url ?? '');
    handler(res, new URL(req.url ?? '/', 'http://x'));
  });
});
afterAll(() => server.close());
beforeEach(() => (seen.length = 0));

const xml = (res: http.ServerResponse, body: string, status = 200) => (res.writeHead(status, { 'content-type': 'application/xml' }), res.end(body));

function adapter(extra: Record<string, unknown> = {}, baseUrl = `${server.url}/lab`): Adapter {
  const config = xmlConfigSchema.parse({
    id: 'lab-xml', kind: 'xml', baseUrl, fhirVersion: 'STU3', recordElement: 'record', timeoutMs: 2000, maxBytes: 32 * 1024,
    resources: {
      Observation: { search: '/patients/{patient}/results', forwardParams: { code: 'test' }, read: '/results/{id}', patientPath: '@patient', mapping: 'lab-result' },
    },
    mappings: {
      'lab-result': {
        resourceType: 'Observation',
        template: { meta: { profile: ['http://nictiz.nl/fhir/StructureDefinition/zib-LaboratoryTestResult-Observation'] } },
        fields: [
          { to: 'id', from: '@id', required: true },
          { to: 'status', from: 'status', map: { F: 'final', P: 'preliminary' }, required: true },
          { to: 'code.coding[0].system', from: 'code/@system' },
          { to: 'code.coding[0].code', from: 'code', type: 'code' },
          { to: 'subject.reference', template: 'Patient/{@patient}' },
        ],
      },
    },
    ...extra,
  });
  return createXmlAdapter(config, { log: createSilentLogger(), baseDir: '.' });
}

const ctx = (signal: AbortSignal = AbortSignal.timeout(5000), patientRef = A): AdapterContext => ({ patient: { patientRef }, fhirVersion: 'STU3', requestId: 't', signal, log: createSilentLogger() });
const search = (a: Adapter, c = ctx(), params = [{ name: 'code', value: 'http://loinc.org|1-8' }]) => a.search(searchQueryOf('STU3', 'Observation', params), c);

test('maps vendor records through the declared mapping; the patient goes in the path, query values URL-encoded', async () => {
  handler = (res) => xml(res, doc(rec('r1', A)));
  const a = adapter();
  const out = await search(a, ctx(), [{ name: 'code', value: 'a&b=c/../../admin' }, { name: 'patient', value: B }]);
  expect(out.resources).toEqual([
    {
      resourceType: 'Observation', id: 'r1', status: 'final',
      meta: { profile: ['http://nictiz.nl/fhir/StructureDefinition/zib-LaboratoryTestResult-Observation'] },
      code: { coding: [{ system: 'http://loinc.org', code: '1-8' }] },
      subject: { reference: `Patient/${A}` },
    },
  ]);
  expect(seen[0]).toBe(`/lab/patients/${A}/results?test=a%26b%3Dc%2F..%2F..%2Fadmin`);
  await a.close();
});

test("records of another patient are dropped, whatever the upstream sends", async () => {
  handler = (res) => xml(res, doc(rec('r1', A), rec('r2', B), rec('r3', `${A}x`)));
  const a = adapter();
  const reported: Array<[string, number]> = [];
  const reporting = { ...ctx(), reportForeign: (type: string, n: number) => reported.push([type, n]) };
  expect((await search(a, reporting)).resources.map((r) => r.id)).toEqual(['r1']);
  handler = (res) => xml(res, doc(rec('r2', B)));
  expect(await a.read('Observation', 'r2', reporting)).toBeUndefined();
  // Each record of another patient is reported by count, so that the gateway raises the alarm.
  expect(reported).toEqual([['Observation', 2], ['Observation', 1]]);
  await a.close();
});

test('a mapping error names the mapping, the record and the path, never the value', async () => {
  handler = (res) => xml(res, doc(rec('r1', A, 'SECRET-X')));
  const a = adapter();
  const err = await search(a).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(MappingFailed);
  expect((err as Error).message).toBe('mapping "lab-result", record "r1", field "status": value not in the value map');
  await a.close();
});

test('XML bombs and external entities are refused before parsing', async () => {
  const a = adapter();
  const lol = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><v:labExport xmlns:v="urn:vendor:lab"><v:record id="r1" patient="${A}"><v:status>&lol3;</v:status></v:record></v:labExport>`;
  const xxe = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><v:labExport xmlns:v="urn:vendor:lab"><v:record id="r1" patient="${A}"><v:status>&x;</v:status></v:record></v:labExport>`;
  for (const body of [lol, xxe, lol.replace('<!DOCTYPE', '<!doctype')]) {
    handler = (res) => xml(res, body);
    await expect(search(a)).rejects.toThrow(/DOCTYPE or ENTITY/);
  }
  await a.close();
});

test('garbage → UpstreamRejected; down → UpstreamUnavailable; slow → UpstreamTimeout; huge → refused at the cap', async () => {
  const a = adapter();
  handler = (res) => xml(res, '<v:labExport><v:record id="r1"');
  await expect(search(a)).rejects.toBeInstanceOf(UpstreamRejected);
  handler = (res) => xml(res, 'oops', 500);
  await expect(search(a)).rejects.toBeInstanceOf(UpstreamUnavailable);
  handler = (res) => xml(res, doc(rec('r1', A).repeat(2000)));
  await expect(search(a)).rejects.toThrow(/exceeds 32768 bytes/);
  handler = (res) => void setTimeout(() => xml(res, doc()), 1500).unref();
  await expect(search(a, ctx(AbortSignal.timeout(150)))).rejects.toBeInstanceOf(UpstreamTimeout);
  const gone = await listen(() => undefined);
  await gone.close();
  const down = adapter({}, `${gone.url}/lab`);
  await expect(search(down)).rejects.toBeInstanceOf(UpstreamUnavailable);
  await Promise.all([a.close(), down.close()]);
});

test('config: templates must carry {patient}, mappings must exist and make the right type (errors name the path)', () => {
  const r = xmlConfigSchema.safeParse({
    id: 'x', kind: 'xml', baseUrl: 'https://his.internal', fhirVersion: 'STU3', recordElement: 'record',
    resources: { Observation: { search: 'https://evil.example/{bsn}', mapping: 'nope', patientPath: '@p' } },
    mappings: {},
  });
  expect(r.success).toBe(false);
  const paths = r.error!.issues.map((i) => i.path.join('.'));
  expect(paths).toEqual(expect.arrayContaining(['resources.Observation.search', 'resources.Observation.mapping']));
});
