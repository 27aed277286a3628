import { FhirError } from '../../../gateway/fhir/outcome.js';
import { parseFhirRequest, parseQueryString } from '../../../gateway/fhir/request.js';
import { MAX_COUNT } from '../../../gateway/fhir/search/index.js';

const get = (path: string, rawQuery = '') => parseFhirRequest({ method: 'GET', segments: path.split('/'), rawQuery }, 'R4');

function refusal(fn: () => unknown): FhirError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FhirError) return err;
    throw err;
  }
  throw new Error('expected a FhirError');
}

describe('parseFhirRequest', () => {
  it('parses a search with filters, includes, _count and _format, keeping every parameter in order', () => {
    const r = get(
      'MedicationRequest',
      'category=http%3A%2F%2Fsnomed.info%2Fsct%7C33633005&_include=MedicationRequest:medication&_include:iterate=PractitionerRole:organization&_count=10&_format=xml',
    );
    expect(r.interaction).toBe('search-type');
    if (r.interaction !== 'search-type') return;
    expect(r.filters).toEqual([{ name: 'category', value: 'http://snomed.info/sct|33633005' }]);
    expect(r.includes.map((i) => [i.iterate, i.sourceType, i.param])).toEqual([
      [false, 'MedicationRequest', 'medication'],
      [true, 'PractitionerRole', 'organization'],
    ]);
    expect(r.count).toBe(10);
    expect(r.format).toBe('xml');
    expect(r.all.map((p) => p.name)).toEqual(['category', '_include', '_include:iterate', '_count', '_format']);
  });

  it('keeps a literal + in a date (time-zone sign), per RFC 3986', () => {
    expect(parseQueryString('date=ge2024-01-01T00:00:00+02:00')).toEqual([{ name: 'date', value: 'ge2024-01-01T00:00:00+02:00' }]);
  });

  it('parses Observation/$lastn as a search with the lastn operation', () => {
    const r = get('Observation/$lastn', 'code=http://loinc.org|85354-9');
    expect(r).toMatchObject({ interaction: 'search-type', resourceType: 'Observation', operation: 'lastn' });
  });

  it('parses a read and refuses search parameters on it', () => {
    expect(get('Binary/example-pdfa-binary3')).toMatchObject({ interaction: 'read', resourceType: 'Binary', id: 'example-pdfa-binary3' });
    expect(refusal(() => get('Condition/c1', 'code=x')).status).toBe(400);
  });

  it('bounds _count', () => {
    const r = get('Condition', '_count=999999');
    expect(r.interaction === 'search-type' && r.count).toBe(MAX_COUNT);
    expect(refusal(() => get('Condition', '_count=-1')).status).toBe(400);
    // More than six digits is refused, not capped: a BSN pasted into _count is a mistake.
    expect(refusal(() => get('Condition', '_count=999911120')).status).toBe(400);
    expect(refusal(() => get('Condition', '_count=1&_count=2')).status).toBe(400);
  });

  it.each([
    ['DocumentReference/$', ''],
    ['Patient/$everything', ''],
    ['Condition/$lastn', ''],
    ['condition', ''],
    ['Condition/bad id', ''],
    ['Condition/a/_history/1', ''],
    ['Condition', '_summary=true'],
    ['Condition', '_revinclude=Provenance:target'],
    ['Condition', '_include=Observation:subject'],
    ['Condition', '_include=garbage'],
    ['Condition', 'code=%E0%A4%A'],
    ['Condition', 'bad name!=1'],
    ['Condition', 'code=a%00b'],
  ])('400 for %s?%s', (path, query) => {
    const err = refusal(() => get(path, query));
    expect(err.status).toBe(400);
    expect(err.message).not.toContain('%');
  });

  it('405 for methods other than GET', () => {
    const err = refusal(() => parseFhirRequest({ method: 'POST', segments: ['Condition'], rawQuery: '' }, 'R4'));
    expect(err.status).toBe(405);
    expect(err.headers.Allow).toBe('GET, HEAD');
  });
});
