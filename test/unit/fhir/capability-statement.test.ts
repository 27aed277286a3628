import type { FhirVersion } from '../../../adapters/types.js';
import { buildCapabilityStatement } from '../../../gateway/fhir/capability-statement.js';
import { catalogueFile, catalogueSchema, loadCatalogue, type QueryCatalogue } from '../../../gateway/fhir/catalogue/index.js';
import type { ServiceBase } from '../../../gateway/fhir/exchange.js';

type Rest = { interaction?: Array<{ code: string }>; resource: Array<{ type: string; interaction: Array<{ code: string }> }> };

function serviceOf(fhirVersion: FhirVersion): ServiceBase {
  return { providerName: 'Demoziekenhuis', serviceId: '99', standard: 'test', fhirVersion, adapterId: 'demo', timeoutMs: 5000, url: 'https://localhost/fhir/demoziekenhuis/99' };
}

function restOf(catalogue: QueryCatalogue, readable: readonly string[] = []): Rest {
  const statement = buildCapabilityStatement(serviceOf(catalogue.fhirVersion), catalogue, new Set(readable), '2026-12-01');
  return (statement['rest'] as Rest[])[0]!;
}

const interactionsOf = (rest: Rest, type: string) => rest.resource.find((r) => r.type === type)?.interaction.map((i) => i.code);

/** A Delen catalogue as a deployment could write it: two accepted types, the submit rule varied per case. */
function delenCatalogue(fhirVersion: FhirVersion, submit: Record<string, unknown>, searches: unknown[] = []): QueryCatalogue {
  return catalogueSchema.parse({
    standard: 'test-delen',
    title: 'Test Delen',
    fhirVersion,
    searches,
    submit,
    accepts: [
      { profile: 'http://example.org/StructureDefinition/measurement', resourceType: 'Observation', required: ['status'] },
      { resourceType: 'Binary' },
    ],
  });
}

describe('CapabilityStatement of a Delen service: what it takes, and no more', () => {
  test.each(['STU3', 'R4'] as const)('%s: the system interactions follow submit.bundleTypes', (version) => {
    expect(restOf(delenCatalogue(version, { bundleTypes: ['batch'] })).interaction).toEqual([{ code: 'batch' }]);
    expect(restOf(delenCatalogue(version, { bundleTypes: ['transaction'] })).interaction).toEqual([{ code: 'transaction' }]);
    expect(restOf(delenCatalogue(version, { bundleTypes: ['batch', 'transaction'] })).interaction).toEqual([{ code: 'transaction' }, { code: 'batch' }]);
  });

  test('create is listed on every accepted type where submit.create is true, and on none where it is false', () => {
    const open = restOf(delenCatalogue('STU3', { bundleTypes: ['batch'], create: true }));
    expect(interactionsOf(open, 'Observation')).toEqual(['create']);
    expect(interactionsOf(open, 'Binary')).toEqual(['create']);
    const closed = restOf(delenCatalogue('STU3', { bundleTypes: ['batch'], create: false }));
    expect(closed.resource).toEqual([]);
  });

  test('a type that is both searched and created lists read, create and search-type', () => {
    const searches = [{ name: 'measurements', resourceType: 'Observation', params: { code: { required: true, equals: ['http://loinc.org|85354-9'] } } }];
    const rest = restOf(delenCatalogue('R4', { bundleTypes: ['batch'], create: true }, searches));
    expect(interactionsOf(rest, 'Observation')).toEqual(['read', 'create', 'search-type']);
  });

  test('the built-in Delen catalogues: documents take a transaction, self-measurements a batch, neither a plain create', async () => {
    const docs = restOf(await loadCatalogue(catalogueFile('pdfa-delen-3')));
    expect(docs.interaction).toEqual([{ code: 'transaction' }]);
    const vitals = restOf(await loadCatalogue(catalogueFile('zelfmetingen-delen-2')));
    expect(vitals.interaction).toEqual([{ code: 'batch' }]);
    for (const rest of [docs, vitals]) expect(rest.resource.filter((r) => r.interaction.some((i) => i.code === 'create'))).toEqual([]);
  });

  test('a Verzamelen service lists no system interaction and no create (its submit is only the schema default)', async () => {
    const rest = restOf(await loadCatalogue(catalogueFile('bgz-3')), ['Patient']);
    expect(rest.interaction).toBeUndefined();
    expect(interactionsOf(rest, 'Patient')).toEqual(['read', 'search-type']);
    expect(rest.resource.every((r) => !r.interaction.some((i) => i.code === 'create'))).toBe(true);
  });
});
