import { TypeIndex } from '../../../../adapters/demo/type-index.js';
import type { Adapter, AdapterContext, Resource } from '../../../../adapters/types.js';
import { executeSearch, parseSearchRequest } from '../../../../gateway/fhir/search/index.js';
import { createSilentLogger } from '../../../../gateway/observability/logger.js';

/**
 * The demo EHR's index may only narrow to a superset: every search gives the same answer from the
 * index's candidates as from the whole compartment, over dates of every shape (partial, zoned,
 * local, Periods open on either side, Timing, none) and codings with and without a system.
 */
const LOINC = 'http://loinc.org';
const NHG = 'https://referentiemodel.nhg.org/tabellen/nhg-tabel-45-diagnostische-bepalingen';
const LAB = { system: 'http://snomed.info/sct', code: '275711006' };
const effective = [
  { effectiveDateTime: '2024-03-01T00:30:00+01:00' },
  { effectiveDateTime: '2024-02-29T23:30:00Z' },
  { effectiveDateTime: '2024-03-01' },
  { effectiveDateTime: '2024-03' },
  { effectiveDateTime: '2024' },
  { effectiveDateTime: '2024-03-01T12:00:00' },
  { effectivePeriod: { start: '2024-02-20', end: '2024-03-02T08:00:00+01:00' } },
  { effectivePeriod: { start: '2023-12-31T23:00:00Z' } },
  { effectivePeriod: { end: '2024-01-01' } },
  { effectiveTiming: { event: ['2024-03-01T10:00:00Z'] } },
  { effectiveInstant: '2024-04-01T10:00:00.000Z' },
  {},
];
const observations: Resource[] = [];
for (let i = 0; i < 240; i++) {
  const coding = [i % 3 === 0 ? { system: LOINC, code: `${1000 + (i % 5)}-1` } : i % 3 === 1 ? { system: NHG, code: String(100 + (i % 4)) } : { code: 'nosystem' }];
  observations.push({
    resourceType: 'Observation',
    id: `o${i}`,
    status: 'final',
    ...(i % 2 === 0 ? { category: [{ coding: [LAB] }] } : {}),
    code: { coding },
    subject: { reference: 'Patient/p' },
    ...effective[i % effective.length],
  });
}
const queries = [
  'date=2024-03-01', 'date=ge2024-03-01', 'date=le2024-02-29', 'date=gt2024-03-01', 'date=lt2024', 'date=eb2024-03-01', 'date=sa2024-02-29',
  'date=ne2024-03-01', 'date=ap2024-03-01', 'date=2024-03', 'date=ge2024-02-01&date=le2024-03-31', 'date=2023,2024-04-01',
  `code=${LOINC}|1001-1`, `code=${NHG}|`, 'code=nosystem', `code=|nosystem`, `code=${LOINC}|1001-1,${NHG}|101`, 'code=101',
  `category=${LAB.system}|${LAB.code}`, `category=${LAB.system}|${LAB.code}&date=ge2024-03-01`, `code=${NHG}|&date=ge2024-02-15`,
  `code:text=x`, '',
];
const ctx: AdapterContext = { patient: { patientRef: 'p' }, fhirVersion: 'STU3', requestId: 't', signal: new AbortController().signal, log: createSilentLogger() };
const adapterOf = (pick: (criteria: Parameters<TypeIndex['candidates']>[0]) => readonly Resource[]): Adapter => ({
  id: 't',
  capabilities: () => ({ resourceTypes: ['Observation'] }),
  search: (query) => Promise.resolve({ resources: pick(query.criteria) }),
  read: () => Promise.resolve(undefined),
  findPatientByBsn: () => Promise.resolve(undefined),
  health: () => Promise.resolve({ ok: true }),
  close: () => Promise.resolve(),
});

const refused: string[] = [];
afterAll(() => {
  // Only the modifier the engine does not take may be refused; every other query was compared.
  expect(refused).toEqual(refused.filter((q) => q.includes(':text')));
});

test.each(queries)('Observation?%s: the same matches from the index as from the whole compartment', async (query) => {
  const index = new TypeIndex(observations);
  const params = [...new URLSearchParams(query)].map(([name, value]) => ({ name, value }));
  let candidates = 0;
  const run = (adapter: Adapter) =>
    executeSearch(parseSearchRequest({ fhirVersion: 'STU3', resourceType: 'Observation', params }), adapter, ctx).then((o) => o.matches.map((r) => r.id));
  let full: (string | undefined)[];
  try {
    full = await run(adapterOf(() => observations));
  } catch {
    refused.push(query);
    return; // a query the engine refuses says nothing about the index
  }
  const narrowed = await run(adapterOf((criteria) => {
    const c = index.candidates(criteria);
    candidates = c.length;
    return c;
  }));
  expect(narrowed).toEqual(full);
  expect(candidates).toBeGreaterThanOrEqual(full.length);
});

test('the index narrows: a code, a category and a date window hand the engine far fewer than all', () => {
  const index = new TypeIndex(observations);
  const compile = (query: string) => parseSearchRequest({ fhirVersion: 'STU3', resourceType: 'Observation', params: [...new URLSearchParams(query)].map(([name, value]) => ({ name, value })) }).criteria as Parameters<TypeIndex['candidates']>[0];
  expect(index.candidates(compile(`code=${LOINC}|1001-1`)).length).toBeLessThan(observations.length / 5);
  expect(index.candidates(compile(`category=${LAB.system}|${LAB.code}`)).length).toBe(observations.length / 2);
  expect(index.candidates(compile('date=ge2024-03-15')).length).toBeLessThan(observations.length / 2);
  expect(index.candidates(compile('status=final'))).toBe(index.all);
});
