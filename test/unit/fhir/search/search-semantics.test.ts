import {
  applyFilters, compileFilters, dateRange, localToUtc, matchesDate, parseDateValue, periodRange, SearchParamError,
  STOP_TYPE, TIME_INTERVAL_DURATION,
} from '../../../../gateway/fhir/search/index.js';
import type { FhirVersion, Resource } from '../../../../adapters/types.js';

/**
 * FHIR search semantics (R4 search.html §3.1.1.4–5, STU3 the same): local dates, every prefix,
 * Periods and the MP9 TimeInterval with a Duration, the common modifiers, _id and _lastUpdated.
 */
const H = 3_600_000;
const noResolve = async () => undefined;
const run = async (type: string, params: [string, string][], resources: Resource[], version: FhirVersion = 'R4', now?: number) => {
  const criteria = compileFilters(version, type, params.map(([name, value]) => ({ name, value })), now);
  return (await applyFilters(resources, criteria, noResolve)).map((r) => r.id);
};
const obs = (id: string, effective: Record<string, unknown>, extra: Record<string, unknown> = {}): Resource =>
  ({ resourceType: 'Observation', id, ...effective, ...extra }) as Resource;

describe('dates without a zone are Europe/Amsterdam local time', () => {
  test('a plain date runs from local midnight to local midnight (CET and CEST)', () => {
    expect(dateRange('2024-03-01')).toEqual({ low: Date.UTC(2024, 1, 29, 23), high: Date.UTC(2024, 2, 1, 23) - 1 });
    expect(dateRange('2024-07-01')).toEqual({ low: Date.UTC(2024, 5, 30, 22), high: Date.UTC(2024, 6, 1, 22) - 1 });
    expect(dateRange('2024-07-01T10:00')?.low).toBe(Date.UTC(2024, 6, 1, 8));
    expect(dateRange('2024-07-01T10:00:00Z')?.low).toBe(Date.UTC(2024, 6, 1, 10));
  });

  test('date=2024-03-01 matches 00:30 Dutch time on 1 March, and not 23:30 on 29 February', () => {
    expect(matchesDate(['2024-03-01T00:30:00+01:00'], parseDateValue('date', '2024-03-01'))).toBe(true);
    expect(matchesDate(['2024-02-29T23:30:00+01:00'], parseDateValue('date', '2024-03-01'))).toBe(false);
    // The same instants written in UTC.
    expect(matchesDate(['2024-02-29T23:30:00Z'], parseDateValue('date', '2024-03-01'))).toBe(true);
    expect(matchesDate(['2024-03-01T23:30:00Z'], parseDateValue('date', '2024-03-01'))).toBe(false);
    expect(matchesDate(['2024-03-01T00:30:00+01:00'], parseDateValue('date', 'lt2024-03-01'))).toBe(false);
    expect(matchesDate(['2024-03-01T00:30:00+01:00'], parseDateValue('date', 'ge2024-03-01'))).toBe(true);
  });

  test('days across a DST change have 23 and 25 hours', () => {
    const spring = dateRange('2024-03-31');
    const autumn = dateRange('2024-10-27');
    expect(spring && spring.high + 1 - spring.low).toBe(23 * H);
    expect(autumn && autumn.high + 1 - autumn.low).toBe(25 * H);
    expect(matchesDate(['2024-03-31T23:30:00+02:00'], parseDateValue('date', '2024-03-31'))).toBe(true);
    expect(matchesDate(['2024-03-31T00:00:00+01:00'], parseDateValue('date', '2024-03-31'))).toBe(true);
    expect(matchesDate(['2024-03-30T23:59:59+01:00'], parseDateValue('date', '2024-03-31'))).toBe(false);
    expect(matchesDate(['2024-10-27T23:59:59+01:00'], parseDateValue('date', '2024-10-27'))).toBe(true);
  });

  test('times in the spring gap and the autumn overlap', () => {
    // 02:30 does not exist on 31 March 2024: read with winter time (= 03:30 summer time).
    expect(localToUtc(Date.UTC(2024, 2, 31, 2, 30))).toBe(Date.UTC(2024, 2, 31, 1, 30));
    // 02:30 happens twice on 27 October 2024: the later (winter-time) one; 01:30 only once.
    expect(localToUtc(Date.UTC(2024, 9, 27, 2, 30))).toBe(Date.UTC(2024, 9, 27, 1, 30));
    expect(localToUtc(Date.UTC(2024, 9, 27, 1, 30))).toBe(Date.UTC(2024, 9, 26, 23, 30));
  });

  test('element dates without a zone are local too (birthDate, a date-only effective)', () => {
    expect(matchesDate(['2024-03-01'], parseDateValue('date', '2024-03-01T00:30:00+01:00'))).toBe(false);
    expect(matchesDate(['2024-03-01'], parseDateValue('date', 'ge2024-03-01T00:30:00+01:00'))).toBe(true);
    expect(matchesDate(['2024-03-01'], parseDateValue('date', 'eq2024-03'))).toBe(true);
  });
});

describe('every date prefix (R4 §3.1.1.4.1) against an instant and a Period', () => {
  const instant = ['2024-06-15T12:00:00+02:00'];
  const period = [{ start: '2024-06-10', end: '2024-06-20' }];
  const cases: Array<[string, boolean, boolean]> = [
    // [value, instant matches, period matches]
    ['eq2024-06-15', true, false],
    ['eq2024-06', true, true],
    ['ne2024-06-15', false, true],
    ['ne2024-06', false, false],
    ['gt2024-06-14', true, true],
    ['gt2024-06-15', false, true],
    ['gt2024-06-20', false, false],
    ['lt2024-06-16', true, true],
    ['lt2024-06-15', false, true],
    ['lt2024-06-10', false, false],
    ['ge2024-06-15', true, true],
    ['ge2024-06-21', false, false],
    ['le2024-06-15', true, true],
    ['le2024-06-09', false, false],
    ['sa2024-06-14', true, false],
    ['sa2024-06-09', true, true],
    ['sa2024-06-15', false, false],
    ['eb2024-06-16', true, false],
    ['eb2024-06-21', true, true],
    ['eb2024-06-15', false, false],
  ];
  test.each(cases)('%s', (value, onInstant, onPeriod) => {
    expect(matchesDate(instant, parseDateValue('date', value))).toBe(onInstant);
    expect(matchesDate(period, parseDateValue('date', value))).toBe(onPeriod);
  });

  test('ap widens the range by 10% of the distance to now', () => {
    const now = Date.UTC(2024, 11, 31);
    // 2024-01-01 is ~365 days before now: ±36.5 days.
    expect(matchesDate(['2024-02-05'], parseDateValue('date', 'ap2024-01-01', now))).toBe(true);
    expect(matchesDate(['2024-02-10'], parseDateValue('date', 'ap2024-01-01', now))).toBe(false);
    expect(matchesDate(['2023-11-28'], parseDateValue('date', 'ap2024-01-01', now))).toBe(true);
    expect(matchesDate([{ start: '2023-01-01', end: '2023-11-30' }], parseDateValue('date', 'ap2024-01-01', now))).toBe(true);
    expect(matchesDate([{ start: '2023-01-01', end: '2023-11-01' }], parseDateValue('date', 'ap2024-01-01', now))).toBe(false);
  });

  test('open Periods: no end runs on for ever, no start since always; neither is nowhere', () => {
    expect(matchesDate([{ start: '2024-01-10' }], parseDateValue('d', 'sa2024-01-09'))).toBe(true);
    expect(matchesDate([{ start: '2024-01-10' }], parseDateValue('d', 'eb2099-01-01'))).toBe(false);
    expect(matchesDate([{ end: '2024-01-10' }], parseDateValue('d', 'eb2024-01-11'))).toBe(true);
    expect(matchesDate([{ end: '2024-01-10' }], parseDateValue('d', 'sa1900-01-01'))).toBe(false);
    expect(matchesDate([{}], parseDateValue('d', 'ne2024'))).toBe(false);
  });

  test('malformed values and unknown prefixes are refused', () => {
    expect(() => parseDateValue('date', 'xy2024')).toThrow(SearchParamError);
    expect(() => parseDateValue('date', '2024-06-15T25:00')).toThrow(SearchParamError);
    expect(() => parseDateValue('date', '2024-06-15T10:00+15:00')).toThrow(SearchParamError);
  });
});

describe('MP9 3.0 TimeInterval: a Period with an ext-TimeInterval.Duration', () => {
  const duration = (value: number, code: string) => ({ url: TIME_INTERVAL_DURATION, valueDuration: { value, unit: code, system: 'http://unitsofmeasure.org', code } });
  const ti = (p: Record<string, unknown>, d?: [number, string]) => (d ? { ...p, extension: [duration(...d)] } : p);

  test('start + Duration without an end ends at start + Duration (days and weeks, local calendar)', () => {
    expect(periodRange(ti({ start: '2024-03-25T00:00:00+01:00' }, [7, 'd']), dateRange)).toEqual({
      low: Date.UTC(2024, 2, 24, 23),
      // Across the DST change: 7 local days end at local midnight (+02:00), 167 hours later.
      high: Date.UTC(2024, 2, 31, 22) - 1,
    });
    expect(periodRange(ti({ start: '2024-01-01' }, [2, 'wk']), dateRange)?.high).toBe(Date.UTC(2024, 0, 14, 23) - 1);
    expect(periodRange(ti({ start: '2024-01-01T08:00:00+01:00' }, [36, 'h']), dateRange)?.high).toBe(Date.UTC(2024, 0, 2, 19) - 1);
    // A month from 31 January ends with February (clamped to the month's last day).
    expect(periodRange(ti({ start: '2024-01-31' }, [1, 'mo']), dateRange)?.high).toBe(Date.UTC(2024, 1, 28, 23) - 1);
    expect(periodRange(ti({ start: '2024-01-01' }, [1, 'a']), dateRange)?.high).toBe(Date.UTC(2024, 11, 31, 23) - 1);
  });

  test('end + Duration without a start starts at end − Duration', () => {
    // 1 up to and including 14 January: two weeks.
    expect(periodRange(ti({ end: '2024-01-14' }, [2, 'wk']), dateRange)?.low).toBe(Date.UTC(2023, 11, 31, 23));
  });

  test('start and end win over a Duration; a Duration alone is not placed in time', () => {
    expect(periodRange(ti({ start: '2024-01-01', end: '2024-12-31' }, [1, 'd']), dateRange)?.high).toBe(Date.UTC(2024, 11, 31, 23) - 1);
    expect(periodRange(ti({}, [7, 'd']), dateRange)).toBeUndefined();
    // An unreadable Duration (unknown unit) leaves the Period open, as without one.
    expect(periodRange(ti({ start: '2024-01-01' }, [7, 'parsec']), dateRange)?.high).toBe(Infinity);
  });

  const agreement = (id: string, period: Record<string, unknown>, extra: Record<string, unknown> = {}): Resource => ({
    resourceType: 'MedicationRequest', id,
    extension: [
      { url: 'http://nictiz.nl/fhir/StructureDefinition/ext-TimeInterval.Period', valuePeriod: period },
      { url: 'http://nictiz.nl/fhir/StructureDefinition/ext-PharmaceuticalTreatment.Identifier', valueIdentifier: { system: 'urn:oid:1.2.3', value: String(extra['treatment'] ?? id) } },
    ],
    ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'treatment')),
  }) as Resource;

  test('period-of-use, whenhandedover-free MedicationDispense and effective-time use the Duration', async () => {
    const ended = agreement('ended', ti({ start: '2024-01-01T00:00:00+01:00' }, [28, 'd']));
    const running = agreement('running', ti({ start: '2024-01-01T00:00:00+01:00' }));
    const data = [ended, running];
    expect(await run('MedicationRequest', [['period-of-use', 'ge2024-02-01']], data)).toEqual(['running']);
    expect(await run('MedicationRequest', [['period-of-use', 'ge2024-01-28']], data)).toEqual(['ended', 'running']);
    expect(await run('MedicationRequest', [['period-of-use', 'ge2024-01-29']], data)).toEqual(['running']);
    expect(await run('MedicationRequest', [['period-of-use', 'ge2024-01-15'], ['period-of-use', 'le2024-01-20']], data)).toEqual(['ended', 'running']);
    const dispense = { ...ended, resourceType: 'MedicationDispense' } as Resource;
    expect(await run('MedicationDispense', [['period-of-use', 'ge2024-02-01']], [dispense])).toEqual([]);
    const statement = { resourceType: 'MedicationStatement', id: 's', effectivePeriod: ti({ start: '2024-01-01' }, [1, 'wk']) } as Resource;
    expect(await run('MedicationStatement', [['period-of-use', 'ge2024-01-08']], [statement])).toEqual([]);
    expect(await run('MedicationStatement', [['period-of-use', 'ge2024-01-07']], [statement])).toEqual(['s']);
    const administration = { resourceType: 'MedicationAdministration', id: 'a', effectivePeriod: ti({ start: '2024-01-01' }, [2, 'd']) } as Resource;
    expect(await run('MedicationAdministration', [['effective-time', 'ge2024-01-03']], [administration])).toEqual([]);
    expect(await run('MedicationAdministration', [['effective-time', 'le2024-01-02']], [administration])).toEqual(['a']);
  });

  test('period-of-use also admits the latest stopped agreement of each treatment (Nictiz period-of-use)', async () => {
    const stop = { modifierExtension: [{ url: STOP_TYPE, valueCodeableConcept: { coding: [{ code: '1', display: 'stop' }] } }] };
    const old = agreement('old', { start: '2023-01-01', end: '2023-02-01' }, { treatment: 't1', authoredOn: '2023-01-01' });
    const stopEarly = agreement('stop-early', { start: '2023-01-01', end: '2023-03-01' }, { treatment: 't1', authoredOn: '2023-02-15', ...stop });
    const stopLate = agreement('stop-late', { start: '2023-01-01', end: '2023-03-02' }, { treatment: 't1', authoredOn: '2023-03-01', ...stop });
    const other = agreement('other', { start: '2024-05-01' }, { treatment: 't2', authoredOn: '2024-05-01' });
    const data = [old, stopEarly, stopLate, other];
    expect(await run('MedicationRequest', [['period-of-use', 'ge2024-01-01']], data)).toEqual(['stop-late', 'other']);
    expect(await run('MedicationRequest', [['period-of-use', 'ge2024-01-01'], ['period-of-use', 'le2024-12-31']], data)).toEqual(['stop-late', 'other']);
    // The other filters still apply to it: another identifier excludes it.
    expect(await run('MedicationRequest', [['period-of-use', 'ge2024-01-01'], ['pharmaceutical-treatment-identifier', 'urn:oid:1.2.3|t2']], data)).toEqual(['other']);
  });
});

describe('modifiers and resource parameters', () => {
  const SCT = 'http://snomed.info/sct';
  const a = obs('a', { effectiveDateTime: '2024-01-01' }, {
    code: { coding: [{ system: SCT, code: '1', display: 'Bloeddruk systolisch' }], text: 'Bloeddruk' },
    status: 'final', meta: { lastUpdated: '2024-05-01T10:00:00+02:00' },
    identifier: [{ system: 'urn:oid:9', value: 'X1', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'FILL' }] } }],
    specimen: { reference: 'Specimen/s1', identifier: { system: 'urn:oid:7', value: 'S-1' } },
  });
  const b = obs('b', {}, { code: { coding: [{ system: SCT, code: '2', display: 'Lichaamsgewicht' }] }, meta: { lastUpdated: '2023-05-01T10:00:00Z' } });
  const data = [a, b];

  test(':missing on every type', async () => {
    expect(await run('Observation', [['date:missing', 'true']], data)).toEqual(['b']);
    expect(await run('Observation', [['date:missing', 'false']], data)).toEqual(['a']);
    expect(await run('Observation', [['status:missing', 'true']], data)).toEqual(['b']);
    expect(await run('Observation', [['specimen:missing', 'false']], data)).toEqual(['a']);
    await expect(run('Observation', [['status:missing', 'yes']], data)).rejects.toThrow(/true or false/);
  });

  test(':not and :text on tokens', async () => {
    expect(await run('Observation', [['code:not', `${SCT}|1`]], data)).toEqual(['b']);
    expect(await run('Observation', [['status:not', 'final']], data)).toEqual(['b']);
    expect(await run('Observation', [['code:text', 'bloed']], data)).toEqual(['a']);
    expect(await run('Observation', [['code:text', 'SYSTOL']], data)).toEqual(['a']);
    expect(await run('Observation', [['code:text', 'lichaam,systol']], data)).toEqual(['a', 'b']);
    expect(await run('Observation', [['code:text', 'druk']], data)).toEqual([]);
    expect(await run('Observation', [['code:text', 'lichaams']], data)).toEqual(['b']);
  });

  test(':of-type on identifiers (R4 only) and :identifier on references (R4 only)', async () => {
    const fill = 'http://terminology.hl7.org/CodeSystem/v2-0203|FILL';
    expect(await run('Observation', [['identifier:of-type', `${fill}|X1`]], data)).toEqual(['a']);
    expect(await run('Observation', [['identifier:of-type', `${fill}|X2`]], data)).toEqual([]);
    await expect(run('Observation', [['identifier:of-type', 'X1']], data)).rejects.toThrow(/system\|code\|value/);
    await expect(run('Observation', [['identifier:of-type', `${fill}|X1`]], data, 'STU3')).rejects.toThrow(SearchParamError);
    expect(await run('Observation', [['specimen:identifier', 'urn:oid:7|S-1']], data)).toEqual(['a']);
    expect(await run('Observation', [['specimen:identifier', 'urn:oid:7|S-2']], data)).toEqual([]);
    await expect(run('Observation', [['specimen:identifier', 'urn:oid:7|S-1']], data, 'STU3')).rejects.toThrow(SearchParamError);
  });

  test('plain reference values and :[Type]', async () => {
    expect(await run('Observation', [['specimen', 'Specimen/s1']], data)).toEqual(['a']);
    expect(await run('Observation', [['specimen', 's1']], data)).toEqual(['a']);
    expect(await run('Observation', [['specimen:Specimen', 's1']], data)).toEqual(['a']);
    expect(await run('Observation', [['specimen', 'https://elsewhere.example/fhir/Specimen/s1']], data)).toEqual(['a']);
    expect(await run('Observation', [['specimen', 's2']], data)).toEqual([]);
    await expect(run('Observation', [['specimen:Patient', 's1']], data)).rejects.toThrow(/":Patient" is not supported/);
  });

  test(':exact and :contains on strings', async () => {
    const people: Resource[] = [
      { resourceType: 'Patient', id: 'p1', name: [{ family: 'Jansen', given: ['Élise'] }] } as Resource,
      { resourceType: 'Patient', id: 'p2', name: [{ family: 'de Jong' }], address: [{ city: "'s-Hertogenbosch" }] } as Resource,
    ];
    expect(await run('Patient', [['name', 'jan']], people)).toEqual(['p1']);
    expect(await run('Patient', [['name', 'elise']], people)).toEqual(['p1']);
    expect(await run('Patient', [['name:exact', 'Jansen']], people)).toEqual(['p1']);
    expect(await run('Patient', [['name:exact', 'jansen']], people)).toEqual([]);
    expect(await run('Patient', [['name:contains', 'jong']], people)).toEqual(['p2']);
    expect(await run('Patient', [['address-city', 'hert']], people)).toEqual([]);
    expect(await run('Patient', [['address-city:contains', 'hert']], people)).toEqual(['p2']);
  });

  test('_id and _lastUpdated on every resource type', async () => {
    expect(await run('Observation', [['_id', 'b']], data)).toEqual(['b']);
    expect(await run('Observation', [['_id', 'a,b']], data)).toEqual(['a', 'b']);
    expect(await run('Observation', [['_lastUpdated', 'ge2024-01-01']], data)).toEqual(['a']);
    expect(await run('Observation', [['_lastUpdated', 'lt2024-01-01']], data)).toEqual(['b']);
    expect(await run('Observation', [['_lastUpdated:missing', 'false']], data)).toEqual(['a', 'b']);
  });

  test('modifiers that need a terminology server or do not fit the type are refused', async () => {
    for (const name of ['code:below', 'code:in', 'date:exact', 'status:contains', 'code:exact']) {
      await expect(run('Observation', [[name, 'x']], data)).rejects.toThrow(SearchParamError);
    }
  });
});
