import { executeSearch, parseSearchRequest, SearchParamError } from '../../../../gateway/fhir/search/index.js';
import { createSilentLogger } from '../../../../gateway/observability/logger.js';
import { guardAdapter } from '../../../../gateway/fhir/compartment-guard.js';
import type { Adapter, AdapterContext, FhirVersion, Resource, SearchParam } from '../../../../adapters/types.js';

/** A list-backed adapter: returns every resource of the type (a superset), as the contract allows. */
function listAdapter(resources: Resource[]): Adapter & { searches: number } {
  const a = {
    id: 'list',
    searches: 0,
    capabilities: () => ({ resourceTypes: [...new Set(resources.map((r) => r.resourceType))] }),
    async search(q: { resourceType: string }) {
      a.searches++;
      return { resources: resources.filter((r) => r.resourceType === q.resourceType) };
    },
    async read(type: string, id: string) {
      return resources.find((r) => r.resourceType === type && r.id === id);
    },
    async findPatientByBsn() { return undefined; },
    async health() { return { ok: true }; },
    async close() {},
  };
  return a;
}

const ctx = (patientRef: string, fhirVersion: FhirVersion = 'R4'): AdapterContext => ({
  patient: { patientRef }, fhirVersion, requestId: 't', signal: new AbortController().signal, log: createSilentLogger(),
});
const P = (id: string) => ({ reference: `Patient/${id}`, display: id });
const SCT = 'http://snomed.info/sct';
const q = (resourceType: string, params: [string, string][], operation?: 'lastn', fhirVersion: FhirVersion = 'R4') =>
  parseSearchRequest({ fhirVersion, resourceType, params: params.map(([name, value]): SearchParam => ({ name, value })), ...(operation ? { operation } : {}) });

const data: Resource[] = [
  { resourceType: 'Patient', id: 'a' },
  { resourceType: 'Patient', id: 'b' },
  { resourceType: 'Medication', id: 'm1', code: { coding: [{ system: 'urn:oid:2.16.840.1.113883.2.4.4.10', code: '111', display: 'x' }] } },
  { resourceType: 'Medication', id: 'm2', code: { coding: [{ system: 'urn:oid:2.16.840.1.113883.2.4.4.10', code: '222', display: 'y' }] } },
  { resourceType: 'Organization', id: 'o1' },
  { resourceType: 'Practitioner', id: 'pr1' },
  { resourceType: 'PractitionerRole', id: 'role1', organization: { reference: 'Organization/o1' }, practitioner: { reference: 'Practitioner/pr1' } },
  { resourceType: 'Condition', id: 'cb', subject: P('b') },
  ...[1, 2, 3].map((i): Resource => ({
    resourceType: 'MedicationRequest', id: `ma${i}`, subject: P('a'),
    category: [{ coding: [{ system: SCT, code: i === 3 ? '395067002' : '33633005', display: 'c' }] }],
    medicationReference: { reference: i === 2 ? 'Medication/m2' : 'Medication/m1', display: 'm' },
    requester: { reference: 'PractitionerRole/role1', display: 'r' },
    // ma2 points at another patient's Condition: it must never be included.
    reasonReference: i === 2 ? [{ reference: 'Condition/cb', display: 'x' }] : [],
  })),
  { resourceType: 'MedicationRequest', id: 'mb', subject: P('b'), category: [{ coding: [{ system: SCT, code: '33633005' }] }] },
  ...[['2024-01-01', 60], ['2024-03-01', 62], ['2024-02-01', 61]].map(([d, v], i): Resource => ({
    resourceType: 'Observation', id: `w${i}`, subject: P('a'), status: 'final', effectiveDateTime: d,
    code: { coding: [{ system: 'http://loinc.org', code: '29463-7', display: 'w' }] }, valueQuantity: { value: v },
  })),
  { resourceType: 'Observation', id: 'h1', subject: P('a'), effectiveDateTime: '2020-01-01', code: { coding: [{ system: 'http://loinc.org', code: '8302-2' }] } },
];

/** The adapter as dispatch.ts hands it to the engine: behind the compartment guard (the adapter boundary). */
const boundary = (a: Adapter): Adapter => guardAdapter(a, () => undefined);

describe('executeSearch', () => {
  test('filters on token, returns only the patient\'s resources, total = matches', async () => {
    const out = await executeSearch(q('MedicationRequest', [['category', `${SCT}|33633005`]]), boundary(listAdapter(data)), ctx('a'));
    expect(out.matches.map((r) => r.id)).toEqual(['ma1', 'ma2']);
    expect(out.total).toBe(2);
    const b = await executeSearch(q('MedicationRequest', [['category', `${SCT}|33633005`]]), boundary(listAdapter(data)), ctx('b'));
    expect(b.matches.map((r) => r.id)).toEqual(['mb']);
  });

  test('chained medication.code follows the reference', async () => {
    const out = await executeSearch(q('MedicationRequest', [['medication.code', 'urn:oid:2.16.840.1.113883.2.4.4.10|222']]), boundary(listAdapter(data)), ctx('a'));
    expect(out.matches.map((r) => r.id)).toEqual(['ma2']);
  });

  test('_include and _include:iterate; another patient\'s resource is never included', async () => {
    const out = await executeSearch(
      q('MedicationRequest', [
        ['category', `${SCT}|33633005`],
        ['_include', 'MedicationRequest:medication'],
        ['_include', 'MedicationRequest:requester'],
        ['_include', 'MedicationRequest:reason'],
        ['_include:iterate', 'PractitionerRole:organization'],
        ['_include:iterate', 'PractitionerRole:practitioner'],
      ]),
      // Through the adapter boundary, as dispatch.ts runs it: the guard keeps Condition/cb out.
      guardAdapter(listAdapter(data), () => undefined),
      ctx('a'),
    );
    expect(out.includes.map((r) => `${r.resourceType}/${r.id}`).sort()).toEqual([
      'Medication/m1', 'Medication/m2', 'Organization/o1', 'Practitioner/pr1', 'PractitionerRole/role1',
    ]);
    const noIterate = await executeSearch(
      q('MedicationRequest', [['_include', 'MedicationRequest:requester']]),
      listAdapter(data),
      ctx('a'),
    );
    expect(noIterate.includes.map((r) => r.id)).toEqual(['role1']);
  });

  test('$lastn keeps the latest per code', async () => {
    const out = await executeSearch(q('Observation', [], 'lastn'), boundary(listAdapter(data)), ctx('a'));
    expect(out.matches.map((r) => r.id).sort()).toEqual(['h1', 'w1']);
    const two = await executeSearch(q('Observation', [['max', '2'], ['code', 'http://loinc.org|29463-7']], 'lastn'), boundary(listAdapter(data)), ctx('a'));
    expect(two.matches.map((r) => r.id).sort()).toEqual(['w1', 'w2']);
  });

  test('date filters: repeated parameters are AND', async () => {
    const out = await executeSearch(q('Observation', [['date', 'ge2024-01-15'], ['date', 'lt2024-03']]), boundary(listAdapter(data)), ctx('a'));
    expect(out.matches.map((r) => r.id)).toEqual(['w2']);
  });

  test('_count pages, total counts all', async () => {
    const out = await executeSearch(q('Observation', [['_count', '2']]), boundary(listAdapter(data)), ctx('a'));
    expect([out.matches.length, out.total]).toEqual([2, 4]);
    const rest = await executeSearch(q('Observation', [['_count', '2'], ['_getpagesoffset', '2']]), boundary(listAdapter(data)), ctx('a'));
    expect(rest.matches.map((r) => r.id)).toEqual(['w2', 'h1']);
  });

  test('malformed or unknown parameters fail with SearchParamError before the adapter is asked', async () => {
    const adapter = listAdapter(data);
    await expect(executeSearch(q('Observation', [['date', 'ge2024-99']]), adapter, ctx('a'))).rejects.toThrow(SearchParamError);
    await expect(executeSearch(q('Observation', [['foo', 'x']]), adapter, ctx('a'))).rejects.toThrow(/"foo" is not supported/);
    await expect(executeSearch(q('Observation', [['code:below', 'x']]), adapter, ctx('a'))).rejects.toThrow(/modifier ":below" is not supported/);
    await expect(executeSearch(q('Observation', [['_include', 'Observation:nope']]), adapter, ctx('a'))).rejects.toThrow(SearchParamError);
    // Result parameters are refused by the one parse itself, as a 400 OperationOutcome.
    expect(() => q('Observation', [['_count', '-1']])).toThrow(expect.objectContaining({ status: 400 }));
    expect(() => q('Observation', [['_include', 'garbage']])).toThrow(expect.objectContaining({ status: 400 }));
    expect(() => q('MedicationRequest', [['_include', 'PractitionerRole:organization']])).toThrow(/_include must start from MedicationRequest/);
    expect(adapter.searches).toBe(0);
  });

  test('an adapter returning another patient\'s resource does not leak it: the boundary guard drops it and reports it', async () => {
    const leaky = listAdapter(data);
    const reported: string[] = [];
    const out = await executeSearch(q('Condition', []), guardAdapter(leaky, (v) => reported.push(...v.map((x) => x.resourceType))), ctx('a'));
    expect(out.matches).toEqual([]);
    expect(reported).toEqual(['Condition']);
  });

  test('STU3 definitions differ: period-of-use does not exist there', async () => {
    await expect(executeSearch(q('MedicationRequest', [['period-of-use', 'ge2024']], undefined, 'STU3'), boundary(listAdapter(data)), ctx('a', 'STU3'))).rejects.toThrow(SearchParamError);
  });
});
