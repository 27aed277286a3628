import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDemoAdapter } from '../../../../adapters/index.js';
import type { Adapter, AdapterContext, Resource, SearchParam } from '../../../../adapters/types.js';
import { catalogueFile, loadCatalogue, matchParams, type QueryCatalogue } from '../../../../gateway/fhir/catalogue/index.js';
import { parseFhirXml } from '../../../../gateway/fhir/fhir-xml.js';
import { compartmentPatients } from '../../../../gateway/fhir/search/index.js';
import { executeSearch, parseSearchRequest } from '../../../../gateway/fhir/search/index.js';
import { createSilentLogger } from '../../../../gateway/observability/logger.js';

/**
 * GP data searches end to end in the engine: the gp-2 catalogue authorizes the query, the demo
 * EHR serves a small synthetic STU3 data set written here (two patients), and executeSearch must
 * return exactly the right matches and includes. Dates are fixed, so the expected sets are too.
 */
const SCT = 'http://snomed.info/sct';
const NHG45_SYSTEM = 'https://referentiemodel.nhg.org/tabellen/nhg-tabel-45-diagnostische-bepalingen';
const PERIOD_OF_USE = 'http://nictiz.nl/fhir/StructureDefinition/zib-Medication-PeriodOfUse';
const ref = (reference: string) => ({ reference, display: reference });

function agreement(id: string, patient: string, category: string, period?: { start?: string; end?: string }, medication = 'm1'): Resource {
  return {
    resourceType: 'MedicationRequest', id, status: 'active', intent: 'order', subject: ref(`Patient/${patient}`),
    category: { coding: [{ system: SCT, code: category, display: 'c' }] },
    medicationReference: ref(`Medication/${medication}`),
    ...(period ? { extension: [{ url: PERIOD_OF_USE, valuePeriod: period }] } : {}),
  };
}

function observation(id: string, patient: string, system: string, code: string, when: string, extra: Record<string, unknown> = {}): Resource {
  return {
    resourceType: 'Observation', id, status: 'final', subject: ref(`Patient/${patient}`), effectiveDateTime: when,
    code: { coding: [{ system, code, display: 'd' }] }, ...extra,
  };
}

const data: Resource[] = [
  { resourceType: 'Patient', id: 'p1', generalPractitioner: [ref('Practitioner/gp1')] },
  { resourceType: 'Patient', id: 'p2', generalPractitioner: [ref('Practitioner/gp2')] },
  { resourceType: 'Practitioner', id: 'gp1' },
  { resourceType: 'Practitioner', id: 'gp2' },
  { resourceType: 'Medication', id: 'm1', code: { coding: [{ system: 'urn:oid:2.16.840.1.113883.2.4.4.10', code: '1', display: 'a' }] } },
  { resourceType: 'Medication', id: 'm2', code: { coding: [{ system: 'urn:oid:2.16.840.1.113883.2.4.4.10', code: '2', display: 'b' }] } },
  { resourceType: 'Medication', id: 'm3', code: { coding: [{ system: 'urn:oid:2.16.840.1.113883.2.4.4.10', code: '3', display: 'c' }] } },
  agreement('ma-open', 'p1', '16076005', { start: '2024-05-01' }),                       // still running: in
  agreement('ma-overlap', 'p1', '16076005', { start: '2024-01-01', end: '2024-12-31' }, 'm2'), // ends after the bound: in
  agreement('ma-ended', 'p1', '16076005', { start: '2023-01-01', end: '2023-03-01' }, 'm3'),   // ended before: out
  agreement('ma-no-period', 'p1', '16076005'),                                          // no period of use: out
  agreement('vv-current', 'p1', '52711000146108', { start: '2024-05-01' }, 'm3'),           // another building block: out
  agreement('ma-p2', 'p2', '16076005', { start: '2024-05-01' }, 'm3'),                      // another patient: out
  observation('hb', 'p1', NHG45_SYSTEM, '1234', '2024-06-10T09:00:00+02:00', {
    related: [{ type: 'has-member', target: ref('Observation/hb-member') }],
    specimen: ref('Specimen/s1'),
  }),
  observation('ldl', 'p1', NHG45_SYSTEM, '5678', '2024-06-01'),                           // on the bound: in
  observation('hb-old', 'p1', NHG45_SYSTEM, '1234', '2023-11-30'),                         // too old: out
  observation('hb-member', 'p1', 'http://loinc.org', '718-7', '2024-06-10'),               // other system: only as include
  observation('hb-p2', 'p2', NHG45_SYSTEM, '1234', '2024-06-10', { specimen: ref('Specimen/s2') }), // another patient: out
  { resourceType: 'Specimen', id: 's1', subject: ref('Patient/p1') },
  { resourceType: 'Specimen', id: 's2', subject: ref('Patient/p2') },
];

let dir: string;
let demo: Adapter;
let gp: QueryCatalogue;
const ctx = (patientRef: string): AdapterContext => ({
  patient: { patientRef }, fhirVersion: 'STU3', requestId: 't', signal: new AbortController().signal, log: createSilentLogger(),
});

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gp-engine-'));
  await writeFile(path.join(dir, 'bundle.json'), JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: data.map((resource) => ({ resource })) }));
  demo = await createDemoAdapter({ id: 'demo', kind: 'demo', datasets: { STU3: [dir] } }, { log: createSilentLogger(), parseXml: parseFhirXml, compartment: compartmentPatients });
  gp = await loadCatalogue(catalogueFile('gp-2'));
});

afterAll(async () => {
  await demo?.close();
  await rm(dir, { recursive: true, force: true });
});

/** What the gateway does per request: the catalogue decides, then the engine runs the search. */
async function run(query: string, patient = 'p1') {
  const [type, search = ''] = query.split('?') as [string, string | undefined];
  const params: SearchParam[] = [...new URLSearchParams(search)].map(([name, value]) => ({ name, value }));
  const allowed = matchParams(gp, type, params);
  if (!allowed.ok) throw new Error(allowed.reason);
  const out = await executeSearch(parseSearchRequest({ fhirVersion: 'STU3', resourceType: type, params }), demo, ctx(patient));
  const ids = (rs: readonly Resource[]) => rs.map((r) => `${r.resourceType}/${r.id}`).sort();
  return { matches: ids(out.matches), includes: ids(out.includes), total: out.total };
}

test('MedicationRequest?periodofuse=ge…&category=…|16076005&_include=…:medication: running agreements and their medication', async () => {
  const out = await run(`MedicationRequest?periodofuse=ge2024-06-01&category=${encodeURIComponent(`${SCT}|16076005`)}&_include=MedicationRequest:medication`);
  expect(out.matches).toEqual(['MedicationRequest/ma-open', 'MedicationRequest/ma-overlap']);
  expect(out.includes).toEqual(['Medication/m1', 'Medication/m2']);
  expect(out.total).toBe(2);
});

test('without periodofuse every agreement of the patient, and a later bound narrows it', async () => {
  const all = await run(`MedicationRequest?category=${encodeURIComponent(`${SCT}|16076005`)}`);
  expect(all.matches).toEqual(['MedicationRequest/ma-ended', 'MedicationRequest/ma-no-period', 'MedicationRequest/ma-open', 'MedicationRequest/ma-overlap']);
  const later = await run(`MedicationRequest?periodofuse=ge2025-01-01&category=${encodeURIComponent(`${SCT}|16076005`)}`);
  expect(later.matches).toEqual(['MedicationRequest/ma-open']);
});

test('Observation?code=<NHG table 45>|&_include=…related-target&_include=…specimen&date=ge…: results of the table since the date', async () => {
  const out = await run(
    `Observation?code=${encodeURIComponent(`${NHG45_SYSTEM}|`)}&_include=Observation:related-target&_include=Observation:specimen&date=ge2024-06-01`,
  );
  expect(out.matches).toEqual(['Observation/hb', 'Observation/ldl']);
  expect(out.includes).toEqual(['Observation/hb-member', 'Specimen/s1']);
  expect(out.total).toBe(2);
});

test('the same search for the other patient sees only that patient\'s result', async () => {
  const out = await run(`Observation?code=${encodeURIComponent(`${NHG45_SYSTEM}|`)}&_include=Observation:specimen&date=ge2024-06-01`, 'p2');
  expect(out).toEqual({ matches: ['Observation/hb-p2'], includes: ['Specimen/s2'], total: 1 });
});

test('Patient?_include=Patient:general-practitioner: the patient and their own GP only', async () => {
  expect(await run('Patient?_include=Patient:general-practitioner')).toEqual({ matches: ['Patient/p1'], includes: ['Practitioner/gp1'], total: 1 });
});
