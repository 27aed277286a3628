import type { Adapter, AdapterContext, Resource, SearchQuery } from '../../../adapters/types.js';
import { relativeAttachmentUrls } from '../../../gateway/fhir/attachment-urls.js';
import { binaryIdOf, linkedBinaryIds, securityContextOf } from '../../../gateway/fhir/binary-access.js';
import { guardAdapter } from '../../../gateway/fhir/compartment-guard.js';
import { isLinkedBinary } from '../../../gateway/fhir/linked-binary.js';
import { createSilentLogger } from '../../../gateway/observability/logger.js';

/** The pure parts of the Binary access rule (gateway/fhir/binary-access.ts) and the link lookup. */
const BASE = 'https://gw.example.nl/fhir/zkh/51';

const docRef = (id: string, patient: string, ...urls: string[]): Resource => ({
  resourceType: 'DocumentReference',
  id,
  status: 'current',
  subject: { reference: `Patient/${patient}` },
  content: urls.map((url) => ({ attachment: { contentType: 'application/pdf', url } })),
});

describe('securityContextOf', () => {
  test.each([
    [{ securityContext: { reference: 'Patient/p1' } }, { kind: 'patient', patientId: 'p1' }],
    [{ securityContext: { reference: 'https://ehr.example/fhir/Patient/p1/_history/2' } }, { kind: 'patient', patientId: 'p1' }],
    [{ securityContext: { reference: 'DocumentReference/d1' } }, { kind: 'none' }],
    [{ securityContext: { display: 'patient' } }, { kind: 'none' }],
    [{ securityContext: { reference: 'Patient/' } }, { kind: 'none' }],
    [{}, { kind: 'none' }],
  ])('%j → %j', (extra, verdict) => {
    expect(securityContextOf({ resourceType: 'Binary', id: 'b', ...extra })).toEqual(verdict);
  });
});

describe('binaryIdOf', () => {
  test.each([
    ['Binary/pdf-1', 'pdf-1'],
    [`${BASE}/Binary/pdf-1`, 'pdf-1'],
    [`${BASE}/Binary/pdf-1/_history/3`, 'pdf-1'],
    [`${BASE}/../other/Binary/pdf-1`, undefined],
    ['https://gw.example.nl/fhir/zkh/48/Binary/pdf-1', undefined], // another base of the same gateway
    ['https://elsewhere.example/Binary/pdf-1', undefined],
    ['Binary/pdf-1?x=1', undefined],
    ['Binary/', undefined],
    ['DocumentReference/pdf-1', undefined],
    ['urn:uuid:0c3c1d4e-0000-4000-8000-000000000001', undefined],
  ])('%s → %s', (url, id) => {
    expect(binaryIdOf(url, BASE)).toBe(id);
  });
});

describe('linkedBinaryIds', () => {
  test('collects DocumentReference attachments and STU3 and R4 DocumentManifest content on this base only', () => {
    const ids = linkedBinaryIds(
      [
        docRef('d1', 'p1', 'Binary/a', `${BASE}/Binary/b`, 'https://elsewhere.example/Binary/c'),
        { resourceType: 'DocumentManifest', id: 'm1', content: [{ pAttachment: { url: 'Binary/d' } }, { pReference: { reference: 'Binary/e' } }] },
        { resourceType: 'DocumentManifest', id: 'm2', content: [{ reference: `${BASE}/Binary/f` }, null, 'junk'] },
        { resourceType: 'Observation', id: 'o1', content: [{ attachment: { url: 'Binary/g' } }] },
        { resourceType: 'DocumentReference', id: 'd2', content: 'not-an-array' },
      ],
      BASE,
    );
    expect([...ids].sort()).toEqual(['a', 'b', 'd', 'e', 'f']);
  });
});

describe('relativeAttachmentUrls', () => {
  test('keeps relative Binary URLs, makes those absolute on this base relative, leaves every other URL alone', () => {
    const input = docRef('d1', 'p1', 'Binary/a', `${BASE}/Binary/b`, 'https://elsewhere.example/doc.pdf', `${BASE}/Binary/a/_history/1`, `${BASE}/Patient/p1`, `${BASE}x/Binary/c`);
    const out = relativeAttachmentUrls(input, `${BASE}/`);
    expect((out['content'] as Array<{ attachment: { url: string; contentType: string } }>).map((c) => c.attachment.url)).toEqual([
      'Binary/a',
      'Binary/b',
      'https://elsewhere.example/doc.pdf',
      'Binary/a/_history/1',
      `${BASE}/Patient/p1`,
      `${BASE}x/Binary/c`,
    ]);
    expect((out['content'] as Array<{ attachment: { contentType: string } }>)[1]!.attachment.contentType).toBe('application/pdf');
    // The input is not changed (resources from the demo EHR are frozen).
    expect((input['content'] as Array<{ attachment: { url: string } }>)[1]!.attachment.url).toBe(`${BASE}/Binary/b`);
  });

  test('STU3 DocumentManifest pAttachment too; other types and unchanged resources are returned as they are', () => {
    const manifest: Resource = { resourceType: 'DocumentManifest', id: 'm', content: [{ pAttachment: { url: `${BASE}/Binary/x` } }, { pReference: { reference: 'Binary/y' } }] };
    expect(relativeAttachmentUrls(manifest, BASE)['content']).toEqual([{ pAttachment: { url: 'Binary/x' } }, { pReference: { reference: 'Binary/y' } }]);
    const obs: Resource = { resourceType: 'Observation', id: 'o', content: [{ attachment: { url: `${BASE}/Binary/x` } }] };
    expect(relativeAttachmentUrls(obs, BASE)).toBe(obs);
    const relative = docRef('d', 'p1', 'Binary/x');
    expect(relativeAttachmentUrls(relative, BASE)).toBe(relative);
  });
});

describe('isLinkedBinary through the compartment guard', () => {
  /** An in-memory adapter that (wrongly) returns every document it holds, whoever's it is. */
  function leakyAdapter(resources: readonly Resource[]): Adapter & { searches: string[] } {
    const searches: string[] = [];
    return {
      id: 'leaky',
      searches,
      capabilities: () => ({ resourceTypes: ['DocumentReference', 'DocumentManifest', 'Binary'] }),
      search: async (q: SearchQuery) => {
        searches.push(q.resourceType);
        return { resources: resources.filter((r) => r.resourceType === q.resourceType) };
      },
      read: async () => undefined,
      findPatientByBsn: async () => undefined,
      health: async () => ({ ok: true }),
      close: async () => undefined,
    };
  }
  const ctx = (patientRef: string): AdapterContext => ({ patient: { patientRef }, fhirVersion: 'STU3', requestId: 'r', signal: AbortSignal.timeout(1000), log: createSilentLogger() });

  test('only the patient’s own indexes count; another patient’s link is dropped and reported', async () => {
    const adapter = leakyAdapter([docRef('d1', 'p1', 'Binary/mine'), docRef('d2', 'p2', 'Binary/theirs')]);
    const violations: string[] = [];
    const guarded = guardAdapter(adapter, (v) => violations.push(...v.map((x) => x.resourceType)));
    expect(await isLinkedBinary(guarded, ctx('p1'), 'mine', BASE, ['DocumentReference'])).toBe(true);
    expect(violations).toEqual(['DocumentReference']);
    expect(await isLinkedBinary(guarded, ctx('p1'), 'theirs', BASE, ['DocumentReference', 'DocumentManifest'])).toBe(false);
    expect(await isLinkedBinary(guarded, ctx('p2'), 'theirs', BASE, ['DocumentReference'])).toBe(true);
  });

  test('stops at the first index type that links the Binary; no index types means never linked', async () => {
    const adapter = leakyAdapter([docRef('d1', 'p1', 'Binary/mine')]);
    const guarded = guardAdapter(adapter, () => undefined);
    await isLinkedBinary(guarded, ctx('p1'), 'mine', BASE, ['DocumentReference', 'DocumentManifest']);
    expect(adapter.searches).toEqual(['DocumentReference']);
    expect(await isLinkedBinary(guarded, ctx('p1'), 'mine', BASE, [])).toBe(false);
  });
});
