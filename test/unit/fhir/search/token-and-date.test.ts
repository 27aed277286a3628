import { parseTokenValue, matchesToken, parseDateValue, matchesDate, dateRange, SearchParamError } from '../../../../gateway/fhir/search/index.js';

const SCT = 'http://snomed.info/sct';
const concept = { coding: [{ system: SCT, code: '16076005', display: 'Voorschrijven' }] };

describe('token parameters', () => {
  test('system|code, code, |code and system| on a CodeableConcept', () => {
    expect(matchesToken([concept], parseTokenValue('category', `${SCT}|16076005`))).toBe(true);
    expect(matchesToken([concept], parseTokenValue('category', 'http://loinc.org|16076005'))).toBe(false);
    expect(matchesToken([concept], parseTokenValue('category', '16076005'))).toBe(true);
    expect(matchesToken([concept], parseTokenValue('category', '|16076005'))).toBe(false);
    expect(matchesToken([{ code: '16076005' }], parseTokenValue('category', '|16076005'))).toBe(true);
    expect(matchesToken([concept], parseTokenValue('category', `${SCT}|`))).toBe(true);
  });

  test('comma is OR, and an escaped comma is part of the code', () => {
    const criteria = parseTokenValue('status', 'booked,pending,proposed');
    expect(criteria).toHaveLength(3);
    expect(matchesToken(['pending'], criteria)).toBe(true);
    expect(matchesToken(['cancelled'], criteria)).toBe(false);
    expect(parseTokenValue('code', 'a\\,b')).toEqual([{ system: undefined, code: 'a,b' }]);
  });

  test('Identifier, Coding and plain code values', () => {
    const id = { system: 'urn:oid:1.2.3', value: 'X-1' };
    expect(matchesToken([id], parseTokenValue('identifier', 'urn:oid:1.2.3|X-1'))).toBe(true);
    expect(matchesToken([id], parseTokenValue('identifier', 'urn:oid:1.2.4|X-1'))).toBe(false);
    expect(matchesToken([{ system: 'http://hl7.org/fhir/v3/ActCode', code: 'IMP' }], parseTokenValue('class', 'http://hl7.org/fhir/v3/ActCode|IMP'))).toBe(true);
    expect(matchesToken(['completed'], parseTokenValue('status', 'completed'))).toBe(true);
  });

  test('empty tokens are refused with a typed error', () => {
    expect(() => parseTokenValue('code', 'a,,b')).toThrow(SearchParamError);
    expect(() => parseTokenValue('code', '|')).toThrow(/neither system nor code/);
  });
});

describe('date parameters', () => {
  test('partial dates stand for their whole period', () => {
    // Zone-less dates are Dutch local time (CET, UTC+1, in winter).
    const H = 3_600_000;
    expect(dateRange('2024')).toEqual({ low: Date.UTC(2024, 0, 1) - H, high: Date.UTC(2025, 0, 1) - H - 1 });
    expect(dateRange('2024-02')).toEqual({ low: Date.UTC(2024, 1, 1) - H, high: Date.UTC(2024, 2, 1) - H - 1 });
    expect(dateRange('2024-02-29')?.low).toBe(Date.UTC(2024, 1, 29) - H);
    expect(dateRange('2023-02-29')).toBeUndefined();
    expect(dateRange('2024-06-01T10:00:00+02:00')).toEqual({ low: Date.UTC(2024, 5, 1, 8), high: Date.UTC(2024, 5, 1, 8) + 999 });
  });

  test('prefixes against a dateTime', () => {
    const v = ['2024-06-15T12:00:00Z'];
    expect(matchesDate(v, parseDateValue('date', '2024-06-15'))).toBe(true);
    expect(matchesDate(v, parseDateValue('date', 'eq2024-06'))).toBe(true);
    expect(matchesDate(v, parseDateValue('date', 'ne2024-06'))).toBe(false);
    expect(matchesDate(v, parseDateValue('date', 'ge2024-06-15'))).toBe(true);
    expect(matchesDate(v, parseDateValue('date', 'gt2024-06-15'))).toBe(false);
    expect(matchesDate(v, parseDateValue('date', 'gt2024-06-14'))).toBe(true);
    expect(matchesDate(v, parseDateValue('date', 'le2024-06-15'))).toBe(true);
    expect(matchesDate(v, parseDateValue('date', 'lt2024-06-15'))).toBe(false);
    expect(matchesDate(v, parseDateValue('date', 'lt2024-06-16'))).toBe(true);
  });

  test('a Period overlaps; an open end runs on for ever, an open start from always', () => {
    const running = [{ start: '2024-01-10' }];
    expect(matchesDate(running, parseDateValue('period-of-use', 'ge2030-01-01'))).toBe(true);
    expect(matchesDate(running, parseDateValue('period-of-use', 'le2024-01-09'))).toBe(false);
    expect(matchesDate(running, parseDateValue('period-of-use', 'le2024-01-10'))).toBe(true);
    const closed = [{ start: '2024-01-10', end: '2024-01-20' }];
    expect(matchesDate(closed, parseDateValue('period-of-use', 'ge2024-01-20'))).toBe(true);
    expect(matchesDate(closed, parseDateValue('period-of-use', 'ge2024-01-21'))).toBe(false);
    expect(matchesDate(closed, parseDateValue('period-of-use', 'eq2024-01'))).toBe(true);
    expect(matchesDate([{ end: '2024-01-20' }], parseDateValue('period-of-use', 'lt1900-01-01'))).toBe(true);
    expect(matchesDate([{}], parseDateValue('period-of-use', 'ge1900'))).toBe(false);
  });

  test('malformed dates and unknown prefixes throw SearchParamError', () => {
    expect(() => parseDateValue('date', 'ge2024-13-01')).toThrow(SearchParamError);
    expect(() => parseDateValue('date', 'xx2024')).toThrow(/unknown prefix/);
    expect(() => parseDateValue('date', 'yesterday')).toThrow(SearchParamError);
  });
});
