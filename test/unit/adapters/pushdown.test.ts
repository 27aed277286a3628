import { pushdownValue } from '../../../adapters/pushdown.js';
import { searchQueryOf } from '../../helpers/search-query.js';

/** The values an SQL bind or vendor parameter gets, from criteria parsed by the gateway's one parser. */
const criteria = (params: Array<[string, string]>) => searchQueryOf('R4', 'MedicationDispense', params.map(([name, value]) => ({ name, value }))).criteria;
const iso = (s: string) => new Date(s).toISOString();

describe('pushdownValue', () => {
  test('codes: every alternative of an OR list, mapped; unmapped or code-less alternatives disable the filter', () => {
    const c = criteria([['status', 'completed,unknown']]);
    expect(pushdownValue({ param: 'status', as: 'codes' }, c)).toEqual(['completed', 'unknown']);
    expect(pushdownValue({ param: 'status', as: 'codes', map: { completed: 'CMP', unknown: 'UNK' } }, c)).toEqual(['CMP', 'UNK']);
    expect(pushdownValue({ param: 'status', as: 'codes', map: { completed: 'CMP' } }, c)).toBeNull();
    expect(pushdownValue({ param: 'status', as: 'codes' }, criteria([['status', 'http://hl7.org/fhir/CodeSystem/x|']]))).toBeNull();
    expect(pushdownValue({ param: 'status', as: 'codes' }, criteria([]))).toBeNull();
  });

  test('text: the value as sent only for one alternative, never an OR list', () => {
    expect(pushdownValue({ param: 'identifier', as: 'text' }, criteria([['identifier', 'urn:oid:1.2|abc']]))).toBe('urn:oid:1.2|abc');
    expect(pushdownValue({ param: 'identifier', as: 'text' }, criteria([['identifier', 'urn:oid:1.2|abc,urn:oid:1.2|def']]))).toBeNull();
    expect(pushdownValue({ param: 'whenhandedover', as: 'text' }, criteria([['whenhandedover', 'ge2024-01-01']]))).toBeNull();
  });

  test('from/to: the window a prefixed date puts on the element, widest over OR, narrowest over AND', () => {
    const from = { param: 'whenhandedover', as: 'from' } as const;
    const to = { param: 'whenhandedover', as: 'to' } as const;
    const ge = criteria([['whenhandedover', 'ge2024-01-01T00:00:00Z']]);
    expect(pushdownValue(from, ge)).toBe(iso('2024-01-01T00:00:00Z'));
    expect(pushdownValue(to, ge)).toBeNull();
    const window = criteria([['whenhandedover', 'ge2024-01-01T00:00:00Z'], ['whenhandedover', 'lt2024-02-01T00:00:00Z']]);
    expect([pushdownValue(from, window), pushdownValue(to, window)]).toEqual([iso('2024-01-01T00:00:00Z'), iso('2024-02-01T00:00:00Z')]);
    // OR of two: from the earlier alternative's bound; `le` alone puts no lower bound.
    const or = criteria([['whenhandedover', 'ge2024-03-01T00:00:00Z,ge2024-01-01T00:00:00Z']]);
    expect(pushdownValue(from, or)).toBe(iso('2024-01-01T00:00:00Z'));
    expect(pushdownValue(from, criteria([['whenhandedover', 'ge2024-03-01T00:00:00Z,le2024-01-01T00:00:00Z']]))).toBeNull();
    expect(pushdownValue(from, criteria([['whenhandedover', 'ne2024-03-01T00:00:00Z']]))).toBeNull();
    // eq: the whole range the value stands for (a minute here).
    const eq = criteria([['whenhandedover', '2024-03-01T10:00Z']]);
    expect(pushdownValue(from, eq)).toBe(iso('2024-03-01T10:00:00Z'));
    expect(pushdownValue(to, eq)).toBe(iso('2024-03-01T10:00:59.999Z'));
  });
});
