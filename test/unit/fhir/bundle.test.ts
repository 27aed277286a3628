import { encodeQueryComponent, toSearchset } from '../../../gateway/fhir/bundle.js';

const base = 'https://localhost:9443/fhir/demoziekenhuis/48';
const obs = (id: string) => ({ resourceType: 'Observation', id, meta: { profile: ['p'] } });

describe('toSearchset', () => {
  const params = [
    { name: 'code', value: 'http://snomed.info/sct|365508006' },
    { name: '_include', value: 'Observation:specimen' },
  ];

  it('builds a searchset with total, absolute fullUrls, modes and a self link repeating every parameter', () => {
    const b = toSearchset({ base, path: 'Observation', params, matches: [obs('a'), obs('b')], includes: [{ resourceType: 'Specimen', id: 's' }], total: 2, offset: 0 }, 'STU3');
    expect(b).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 2 });
    expect(b.link).toEqual([{ relation: 'self', url: `${base}/Observation?code=http://snomed.info/sct|365508006&_include=Observation:specimen` }]);
    expect(b.entry.map((e) => [e.fullUrl, e.search.mode])).toEqual([
      [`${base}/Observation/a`, 'match'],
      [`${base}/Observation/b`, 'match'],
      [`${base}/Specimen/s`, 'include'],
    ]);
  });

  it('pages with _count and _offset and links next/previous', () => {
    const matches = ['a', 'b', 'c', 'd', 'e'].map(obs);
    const first = toSearchset({ base, path: 'Observation', params: [{ name: '_count', value: '2' }], matches: matches.slice(0, 2), includes: [], total: 5, offset: 0, count: 2 }, 'STU3');
    expect(first.total).toBe(5);
    expect(first.entry.map((e) => e.resource.id)).toEqual(['a', 'b']);
    expect(first.link.find((l) => l.relation === 'next')?.url).toBe(`${base}/Observation?_count=2&_getpagesoffset=2`);
    expect(first.link.find((l) => l.relation === 'previous')).toBeUndefined();
    const last = toSearchset({ base, path: 'Observation', params: [{ name: '_count', value: '2' }, { name: '_getpagesoffset', value: '4' }], matches: matches.slice(4), includes: [], total: 5, offset: 4, count: 2 }, 'STU3');
    expect(last.entry.map((e) => e.resource.id)).toEqual(['e']);
    expect(last.link.find((l) => l.relation === 'next')).toBeUndefined();
    expect(last.link.find((l) => l.relation === 'previous')?.url).toBe(`${base}/Observation?_count=2&_getpagesoffset=2`);
  });

  it('lists a resource that is both match and include once, as match; an empty search is an empty searchset', () => {
    const b = toSearchset({ base, path: 'Observation', params: [], matches: [obs('a')], includes: [obs('a')], total: 1, offset: 0 }, 'STU3');
    expect(b.entry).toHaveLength(1);
    const empty = toSearchset({ base, path: 'Observation/$lastn', params: [], matches: [], includes: [], total: 0, offset: 0 }, 'STU3');
    expect(empty).toMatchObject({ total: 0, entry: [], link: [{ relation: 'self', url: `${base}/Observation/$lastn` }] });
  });

  it('encodes what must be encoded but keeps | : , / $', () => {
    expect(encodeQueryComponent('ge2024-01-01T00:00:00+02:00')).toBe('ge2024-01-01T00:00:00%2B02:00');
    expect(encodeQueryComponent('a b&c=d#e')).toBe('a%20b%26c%3Dd%23e');
    expect(encodeQueryComponent('http://x|1,http://y|2')).toBe('http://x|1,http://y|2');
  });
});
