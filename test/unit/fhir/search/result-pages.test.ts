import type { Adapter, AdapterContext, Resource, SearchParam } from '../../../../adapters/types.js';
import { guardAdapter } from '../../../../gateway/fhir/compartment-guard.js';
import { FhirError } from '../../../../gateway/fhir/outcome.js';
import { executeSearch, parseSearchRequest, searchPage, type PageOwner } from '../../../../gateway/fhir/search/index.js';
import { createSilentLogger } from '../../../../gateway/observability/logger.js';
import { MemoryStore } from '../../../../gateway/storage/index.js';

/** A list-backed adapter that counts every call, so that "no adapter call" can be asserted. */
function countingAdapter(resources: Resource[]): Adapter & { calls: string[] } {
  const calls: string[] = [];
  return {
    id: 'list',
    calls,
    capabilities: () => ({ resourceTypes: [...new Set(resources.map((r) => r.resourceType))] }),
    async search(q) {
      calls.push(`search ${q.resourceType}`);
      return { resources: resources.filter((r) => r.resourceType === q.resourceType) };
    },
    async read(type, id) {
      calls.push(`read ${type}/${id}`);
      return resources.find((r) => r.resourceType === type && r.id === id);
    },
    async findPatientByBsn() {
      return undefined;
    },
    async health() {
      return { ok: true };
    },
    async close() {},
  };
}

const ctx: AdapterContext = { patient: { patientRef: 'a' }, fhirVersion: 'R4', requestId: 't', signal: new AbortController().signal, log: createSilentLogger() };
const owner: PageOwner = { clientId: 'pgo-one', patientRef: 'a', providerName: 'demoziekenhuis', serviceId: 'mp9' };
const request = (params: Array<[string, string]>) =>
  parseSearchRequest({ fhirVersion: 'R4', resourceType: 'MedicationRequest', params: params.map(([name, value]): SearchParam => ({ name, value })) });

const requests: Resource[] = [1, 2, 3, 4, 5].map((i) => ({
  resourceType: 'MedicationRequest',
  id: `mr${i}`,
  subject: { reference: 'Patient/a' },
  medicationReference: { reference: `Medication/m${i % 2}` },
  ...(i === 4 ? { identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999911120' }] } : {}),
}));
const data: Resource[] = [...requests, { resourceType: 'Medication', id: 'm0' }, { resourceType: 'Medication', id: 'm1' }];
const ids = (rs: readonly Resource[]): string[] => rs.map((r) => `${r.resourceType}/${r.id ?? ''}`);

describe('searchPage: paging over a stored result', () => {
  test('the first page equals the plain engine’s; later pages (with their includes) come from the store, with no adapter call', async () => {
    let clock = 1_000_000;
    const store = new MemoryStore(() => clock);
    const adapter = countingAdapter(data);
    const guarded = guardAdapter(adapter, () => undefined);
    const params: Array<[string, string]> = [['_include', 'MedicationRequest:medication'], ['_count', '2']];
    const plain = await executeSearch(request(params), guarded, ctx);
    const first = await searchPage(request(params), guarded, ctx, owner, { store, ttlMs: 60_000 });
    expect({ ...first, pageKey: undefined }).toEqual({ ...plain, pageKey: undefined });
    expect(first.pageKey).toMatch(/^[A-Za-z0-9_-]{43}$/);

    adapter.calls.length = 0;
    const second = await searchPage(request([...params, ['_getpages', first.pageKey!], ['_getpagesoffset', '2']]), guarded, ctx, owner, { store, ttlMs: 60_000 });
    expect(ids(second.matches)).toEqual(['MedicationRequest/mr3', 'MedicationRequest/mr4']);
    expect(ids(second.includes).sort()).toEqual(['Medication/m0', 'Medication/m1']);
    expect(second.total).toBe(5);
    expect(adapter.calls).toEqual([]);
    // Stored BSN-masked: no BSN rests in the store.
    expect(JSON.stringify(second)).not.toContain('999911120');

    // After the time to live the key is gone: 410.
    clock += 60_001;
    const gone = await searchPage(request([...params, ['_getpages', first.pageKey!], ['_getpagesoffset', '2']]), guarded, ctx, owner, { store, ttlMs: 60_000 }).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(FhirError);
    expect((gone as FhirError).status).toBe(410);
    expect(adapter.calls).toEqual([]);
  });

  test('a key of another owner is 403, of another search 400; a result on one page stores nothing', async () => {
    const store = new MemoryStore();
    const guarded = guardAdapter(countingAdapter(data), () => undefined);
    const first = await searchPage(request([['_count', '1']]), guarded, ctx, owner, { store, ttlMs: 60_000 });
    const follow = (extra: Array<[string, string]>, who: PageOwner) =>
      searchPage(request([['_count', '1'], ...extra, ['_getpages', first.pageKey!]]), guarded, ctx, who, { store, ttlMs: 60_000 }).catch((e: unknown) => e as FhirError);
    expect(((await follow([], { ...owner, clientId: 'pgo-two' })) as FhirError).status).toBe(403);
    expect(((await follow([], { ...owner, patientRef: 'b' })) as FhirError).status).toBe(403);
    expect(((await follow([], { ...owner, serviceId: '48' })) as FhirError).status).toBe(403);
    expect(((await follow([['_include', 'MedicationRequest:medication']], owner)) as FhirError).status).toBe(400);
    expect(ids(((await follow([], owner)) as { matches: Resource[] }).matches)).toEqual(['MedicationRequest/mr1']);

    const whole = await searchPage(request([['_count', '50']]), guarded, ctx, owner, { store, ttlMs: 60_000 });
    expect(whole.pageKey).toBeUndefined();
    expect(whole.total).toBe(5);
  });
});
