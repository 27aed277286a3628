import { createAdapters } from '../../adapters/registry.js';
import type { Adapter, AdapterContext } from '../../adapters/types.js';
import { guardAdapter } from '../../gateway/fhir/compartment-guard.js';
import { executeSearch, parseSearchRequest } from '../../gateway/fhir/search/index.js';
import { createSilentLogger } from '../../gateway/observability/logger.js';
import { mp9Queries } from '../contract/adapter.contract.js';
import { MP9_SEARCH } from '../bench/fhir-backend.js';
import { loadDataset, startFhirBackend, type Dataset } from './adapters-backends.js';

/**
 * `_include` against a real FHIR backend (HTTP on loopback, paged 7 at a time): the MP9 3.0
 * searches with their includes and iterates cost one upstream search per include round and target
 * type (`Type?_id=a,b,c`), never a read per included resource. Counted on the backend's own
 * request log, and the answer is the same as when every target is read one by one.
 */
const LOAD_DATE = new Date('2026-06-15T00:00:00Z');
let data: Dataset;
let backend: Awaited<ReturnType<typeof startFhirBackend>>;
let adapter: Adapter;
/** `forwardIncludes: true` against the same data unpaged (100 a page, as a real server): the backend resolves the includes. */
let unpaged: Awaited<ReturnType<typeof startFhirBackend>>;
let forwarding: Adapter;

beforeAll(async () => {
  data = await loadDataset('R4', LOAD_DATE);
  backend = await startFhirBackend(data, { pageSize: 7 });
  const types = [...new Set(data.resources.map((r) => r.resourceType))];
  const adapters = await createAdapters([{ id: 'ehr-fhir', kind: 'fhir', baseUrl: backend.url, fhirVersion: 'R4', resourceTypes: types }], {
    log: createSilentLogger(),
    baseDir: process.cwd(),
  });
  adapter = adapters.get('ehr-fhir')!;
  unpaged = await startFhirBackend(data);
  const withIncludes = await createAdapters([{ id: 'ehr-fhir-includes', kind: 'fhir', baseUrl: unpaged.url, fhirVersion: 'R4', resourceTypes: types, forwardIncludes: true }], {
    log: createSilentLogger(),
    baseDir: process.cwd(),
  });
  forwarding = withIncludes.get('ehr-fhir-includes')!;
}, 60_000);
afterAll(async () => {
  await forwarding?.close();
  await unpaged?.close();
  await adapter?.close();
  await backend?.close();
});

const ctx = (patientRef: string): AdapterContext => ({ patient: { patientRef }, fhirVersion: 'R4', requestId: 'includes', signal: AbortSignal.timeout(20_000), log: createSilentLogger() });

function search(a: Adapter, patient: string, query: string) {
  const [type = '', qs = ''] = query.split('?');
  const params = [...new URLSearchParams(qs.replace(/\+/g, '%2B'))].map(([name, value]) => ({ name, value }));
  return executeSearch(parseSearchRequest({ fhirVersion: 'R4', resourceType: type, params }), guardAdapter(a, () => undefined), ctx(patient));
}

/** The same adapter without its batch read: what every include cost before (one read per target). */
function oneByOne(a: Adapter): Adapter {
  const { readMany: _dropped, ...rest } = a;
  return rest;
}

test('an MP9 search with its _includes costs one upstream search per round and target type, not one read per include', async () => {
  let queries = 0;
  let included = 0;
  let batched = 0;
  let reads = 0;
  let perIdBefore = 0;
  for (const patient of data.patients) {
    for (const query of mp9Queries(data, patient).filter((q) => q.includes('_include'))) {
      const start = backend.requests.length;
      const out = await search(adapter, patient, query);
      const asked = backend.requests.slice(start);
      // A search's further pages (the backend pages 7 at a time) are the same search: count first pages.
      const idSearches = asked.filter((r) => /[?&]_id=/.test(r) && !/[?&]_getpagesoffset=/.test(r));
      const singleReads = asked.filter((r) => /^GET \/fhir\/[A-Z][A-Za-z]+\/[^/?]+$/.test(r));
      // Per target type at most one _id search per phase (chain prefetch, then each include round:
      // MP9 has includes, then iterates), plus a further one per 50 ids; and no id is asked twice.
      const idsByType = new Map<string, string[]>();
      for (const line of idSearches) {
        const type = /^GET \/fhir\/([A-Za-z]+)\?/.exec(line)?.[1] ?? '?';
        const ids = decodeURIComponent(/[?&]_id=([^&]*)/.exec(line)?.[1] ?? '').split(',');
        idsByType.set(type, [...(idsByType.get(type) ?? []), ...ids]);
      }
      const phases = 1 + (query.includes('.code=') ? 1 : 0) + (query.includes('_include:iterate') ? 1 : 0);
      let bound = 0;
      for (const ids of idsByType.values()) {
        expect(new Set(ids).size).toBe(ids.length);
        bound += phases + Math.floor(ids.length / 50);
      }
      expect(singleReads).toEqual([]);
      expect(idSearches.length).toBeLessThanOrEqual(bound);
      queries += 1;
      included += out.includes.length;
      batched += idSearches.length;
      reads += singleReads.length;

      const before = backend.requests.length;
      const reference = await search(oneByOne(adapter), patient, query);
      perIdBefore += backend.requests.slice(before).filter((r) => /^GET \/fhir\/[A-Z][A-Za-z]+\/[^/?]+$/.test(r)).length;
      const key = (rs: readonly { resourceType: string; id?: string }[]) => rs.map((r) => `${r.resourceType}/${r.id}`).sort();
      expect({ query, matches: key(out.matches), includes: key(out.includes), total: out.total }).toEqual({
        query, matches: key(reference.matches), includes: key(reference.includes), total: reference.total,
      });
    }
  }
  expect(included).toBeGreaterThan(0);
  expect(reads).toBe(0);
  expect(batched).toBeLessThan(perIdBefore);
  console.warn(`includes: ${queries} MP9 searches, ${included} included resources: ${batched} batched _id searches (one read each before: ${perIdBefore})`);
}, 120_000);

test('with forwardIncludes, an MP9 search with its seven _includes (the bench search too) costs at most 2 upstream round trips, same answer', async () => {
  const key = (rs: readonly { resourceType: string; id?: string }[]) => rs.map((r) => `${r.resourceType}/${r.id}`).sort();
  let searches = 0;
  let included = 0;
  let maxTrips = 0;
  for (const patient of data.patients) {
    const queries = [decodeURIComponent(MP9_SEARCH), ...mp9Queries(data, patient).filter((q) => q.includes('_include'))];
    for (const query of queries) {
      const start = unpaged.requests.length;
      const out = await search(forwarding, patient, query);
      const asked = unpaged.requests.slice(start);
      const trips = asked.length;
      if (trips > 2) expect({ query, asked }).toEqual({ query, asked: 'at most 2 upstream calls' });
      maxTrips = Math.max(maxTrips, trips);
      const reference = await search(oneByOne(adapter), patient, query);
      expect({ query, matches: key(out.matches), includes: key(out.includes), total: out.total }).toEqual({
        query, matches: key(reference.matches), includes: key(reference.includes), total: reference.total,
      });
      searches += 1;
      included += out.includes.length;
    }
  }
  expect(included).toBeGreaterThan(0);
  console.warn(`forwarded includes: ${searches} MP9 searches, ${included} included resources, at most ${maxTrips} upstream round trips per search`);
}, 120_000);
