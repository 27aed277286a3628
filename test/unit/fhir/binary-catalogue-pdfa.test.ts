import { catalogueFile, loadCatalogue, matchParams, type QueryCatalogue } from '../../../gateway/fhir/catalogue/index.js';
import { readableTypes } from '../../../gateway/fhir/policy.js';
import type { SearchParam } from '../../../adapters/types.js';

/**
 * The PDF/A 3.x catalogue (config/standards/pdfa-3.yaml): the searches of shared/medmij/QUERIES.md
 * are allowed, near-misses are refused with a reason naming the parameter (never its value), and
 * the base serves `Binary/{id}` reads (the documents the PGO follows from `attachment.url`).
 */
function parse(query: string): { type: string; params: SearchParam[] } {
  const [type, search = ''] = query.split('?') as [string, string | undefined];
  return { type, params: [...new URLSearchParams(search)].map(([name, value]) => ({ name, value })) };
}

let pdfa: QueryCatalogue;

beforeAll(async () => {
  pdfa = await loadCatalogue(catalogueFile('pdfa-3'));
});

test('loads as an STU3 catalogue with the two document searches', () => {
  expect(pdfa.standard).toBe('pdfa-3');
  expect(pdfa.fhirVersion).toBe('STU3');
  expect(pdfa.searches.map((s) => `${s.resourceType}:${s.name}`)).toEqual(['DocumentReference:document-reference', 'DocumentManifest:document-manifest']);
});

test('Binary is readable on the base, and so are the two index types; nothing else', () => {
  expect([...readableTypes(pdfa, 'STU3')].sort()).toEqual(['Binary', 'DocumentManifest', 'DocumentReference']);
});

test.each([
  ['DocumentReference?status=current', 'document-reference'],
  ['DocumentReference?status=current&indexed=ge2024-01-01', 'document-reference'],
  ['DocumentReference?status=current&indexed=le2024-12-31T23:59:59Z', 'document-reference'],
  ['DocumentReference?status=current&indexed=ge2024-01-01&indexed=le2024-12-31', 'document-reference'],
  ['DocumentReference?indexed=ge2024-01-01&status=current&_format=xml', 'document-reference'],
  ['DocumentManifest?status=current', 'document-manifest'],
  ['DocumentManifest?status=current&created=ge2024-01-01&created=le2024-12-31', 'document-manifest'],
  // The bare searches of the government PGO: no status, no filter (FHIR search.html).
  ['DocumentReference', 'document-reference'],
  ['DocumentManifest', 'document-manifest'],
  ['DocumentManifest?created=ge2024-01-01', 'document-manifest'],
])('allows %s', (query, template) => {
  const { type, params } = parse(query);
  const m = matchParams(pdfa, type, params);
  expect(m.ok && m.template.name).toBe(template);
});

test.each([
  ['DocumentReference?status=superseded', 'This value of parameter "status" is not supported on DocumentReference'],
  ['DocumentReference?status=current&indexed=lt2024-01-01', 'Prefix "lt" is not supported on parameter "indexed"'],
  ['DocumentReference?status=current&indexed=2024-01-01', 'Prefix "eq" is not supported on parameter "indexed"'],
  ['DocumentReference?status=current&indexed=ge2024-01-01&indexed=le2024-06-01&indexed=le2024-12-31', 'Parameter "indexed" may be given at most 2 time(s)'],
  ['DocumentReference?status=current&created=ge2024-01-01', 'Parameter "created" is not supported on DocumentReference'],
  ['DocumentReference?status=current&patient=p1', 'parameter "patient" is not allowed'],
  ['DocumentManifest?status=current&indexed=ge2024-01-01', 'Parameter "indexed" is not supported on DocumentManifest'],
  ['Binary', 'Binary is not a search of PDF/A 3.x'],
  ['Composition', 'Composition is not a search of PDF/A 3.x'],
])('refuses %s', (query, reason) => {
  const { type, params } = parse(query);
  const m = matchParams(pdfa, type, params);
  expect(m.ok).toBe(false);
  expect(!m.ok && m.reason).toContain(reason);
  expect(!m.ok && m.reason).not.toMatch(/superseded|2024-|p1\b/);
});
