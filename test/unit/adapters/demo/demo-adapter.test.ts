import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDemoAdapter, DEMO_PATIENTS, resolveDatePlaceholders, builtInDemoData, MappingFailed } from '../../../../adapters/index.js';
import type { Adapter, AdapterContext, FhirVersion, Resource } from '../../../../adapters/types.js';
import { createSilentLogger } from '../../../../gateway/observability/logger.js';
import { parseFhirXml } from '../../../../gateway/fhir/fhir-xml.js';
import { compartmentPatients } from '../../../../gateway/fhir/search/index.js';
import { guardAdapter } from '../../../../gateway/fhir/compartment-guard.js';
import { screenSearchAnswer } from '../../../../gateway/fhir/compartment.js';
import { executeSearch, parseSearchRequest } from '../../../../gateway/fhir/search/index.js';
import { loadCatalogue, catalogueFile, matchParams } from '../../../../gateway/fhir/catalogue/index.js';

const T = new Date('2026-03-31T00:00:00Z');
const deps = { log: createSilentLogger(), parseXml: parseFhirXml, compartment: compartmentPatients, now: T };
const ctx = (patientRef: string, fhirVersion: FhirVersion): AdapterContext => ({
  patient: { patientRef }, fhirVersion, requestId: 't', signal: new AbortController().signal, log: createSilentLogger(),
});
const [GRAAF, LEEUWEN] = DEMO_PATIENTS.map((p) => p.id) as [string, string];

function elevenProof(bsn: string): boolean {
  const digits = [...bsn].map(Number);
  const sum = digits.slice(0, 8).reduce((s, d, i) => s + d * (9 - i), 0) - (digits[8] ?? 0);
  return bsn.length === 9 && sum % 11 === 0;
}

describe('date placeholders', () => {
  test('days, months (clamped to month end) and years, with a time after them', () => {
    expect(resolveDatePlaceholders('${DATE, T, D, -21}', T)).toBe('2026-03-10');
    expect(resolveDatePlaceholders('${DATE, T, D, +30}', T)).toBe('2026-04-30');
    expect(resolveDatePlaceholders('"${DATE, T, M, -1}T09:00:00+02:00"', T)).toBe('"2026-02-28T09:00:00+02:00"');
    expect(resolveDatePlaceholders('${DATE,T,Y,-1}', T)).toBe('2025-03-31');
    expect(resolveDatePlaceholders('${DATE, T, D,-0}', T)).toBe('2026-03-31');
  });
});

describe('demo EHR on its built-in synthetic data', () => {
  let adapter: Adapter;
  beforeAll(async () => {
    adapter = await createDemoAdapter({ id: 'demo-ehr', kind: 'demo' }, deps);
  });
  afterAll(() => adapter.close());

  test('demo patients carry valid 11-proof test BSNs in the 999 range and are found by BSN', async () => {
    for (const p of DEMO_PATIENTS) {
      expect(p.bsn.startsWith('999') && elevenProof(p.bsn)).toBe(true);
      expect(await adapter.findPatientByBsn(p.bsn, new AbortController().signal)).toEqual({ patientRef: p.id });
    }
    expect(await adapter.findPatientByBsn('999999999', new AbortController().signal)).toBeUndefined();
    expect(await adapter.findPatientByBsn('not-a-bsn', new AbortController().signal)).toBeUndefined();
  });

  test('the stored Patient has its BSN masked', async () => {
    const p = await adapter.read('Patient', GRAAF, ctx(GRAAF, 'STU3'));
    expect(JSON.stringify(p)).not.toContain(DEMO_PATIENTS[0]!.bsn);
    expect((p?.['identifier'] as Array<Record<string, unknown>>)[0]?.['_value']).toBeDefined();
  });

  test('search returns the patient compartment per version; a read of another patient stops at the boundary, with an alarm', async () => {
    const stu3 = await adapter.search({ resourceType: 'Condition', params: [], criteria: [] }, ctx(GRAAF, 'STU3'));
    expect(stu3.resources.map((r) => r.id).sort()).toEqual(['demo-condition-de-graaf-1', 'demo-condition-de-graaf-2']);
    const r4 = await adapter.search({ resourceType: 'Condition', params: [], criteria: [] }, ctx(GRAAF, 'R4'));
    expect(r4.resources).toEqual([]);
    // The demo EHR reads by id, as an EHR does; the gateway's adapter boundary judges whose it is.
    const alarms: string[] = [];
    const guarded = guardAdapter(adapter, (v) => alarms.push(...v.map((x) => x.resourceType)));
    expect(await guarded.read('Condition', 'demo-condition-van-leeuwen-1', ctx(GRAAF, 'STU3'))).toBeUndefined();
    expect(alarms).toEqual(['Condition']);
    expect(await adapter.read('Condition', 'demo-condition-van-leeuwen-1', ctx(LEEUWEN, 'STU3'))).toBeDefined();
    expect(await adapter.read('Medication', 'demo-medication-metformine', ctx(LEEUWEN, 'R4'))).toBeDefined();
  });

  test('every resource has meta.profile, every reference a display, every coding system+code+display', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    for (const version of ['STU3', 'R4'] as const) {
      for (const f of readdirSync(builtInDemoData[version])) {
        const r = JSON.parse(readFileSync(path.join(builtInDemoData[version], f), 'utf8')) as Resource;
        // Zib profiles are Nictiz's (nictiz.nl); the STU3 nl-core ones of BgLZ/GGZ (CarePlan, CareTeam, Goal) are on fhir.nl.
        expect(r.meta?.profile?.[0]).toMatch(/^http:\/\/(nictiz\.nl|fhir\.nl)\/fhir\/StructureDefinition\//);
        const walk = (n: unknown): void => {
          if (Array.isArray(n)) return n.forEach(walk);
          if (typeof n !== 'object' || n === null) return;
          const o = n as Record<string, unknown>;
          if (typeof o['reference'] === 'string') expect(typeof o['display']).toBe('string');
          if (Array.isArray(o['coding'])) for (const c of o['coding'] as Record<string, unknown>[]) expect([typeof c['system'], typeof c['code'], typeof c['display']]).toEqual(['string', 'string', 'string']);
          Object.values(o).forEach(walk);
        };
        walk(r);
      }
    }
  });

  test('BgZ and MP9 catalogue searches run on the demo data', async () => {
    const bgz = await loadCatalogue(catalogueFile('bgz-3'));
    const params = [{ name: 'code', value: 'http://loinc.org|29463-7' }];
    expect(matchParams(bgz, 'Observation', params, 'lastn').ok).toBe(true);
    const weight = await executeSearch(parseSearchRequest({ fhirVersion: 'STU3', resourceType: 'Observation', operation: 'lastn', params }), adapter, ctx(GRAAF, 'STU3'));
    expect(weight.matches.map((r) => r.id)).toEqual(['demo-bodyweight-de-graaf-2']);

    const mp9 = await loadCatalogue(catalogueFile('mp9-3.0'));
    const maParams = [
      { name: 'category', value: 'http://snomed.info/sct|33633005' },
      { name: 'period-of-use', value: 'ge2026-01-31' },
      { name: '_include', value: 'MedicationRequest:requester' },
      { name: '_include:iterate', value: 'PractitionerRole:organization' },
    ];
    expect(matchParams(mp9, 'MedicationRequest', maParams).ok).toBe(true);
    const ma = await executeSearch(parseSearchRequest({ fhirVersion: 'R4', resourceType: 'MedicationRequest', params: maParams }), adapter, ctx(GRAAF, 'R4'));
    // ma-1 runs from T-60 open-ended; ma-2 ended T-61 (2026-01-29), before the window.
    expect(ma.matches.map((r) => r.id)).toEqual(['demo-ma-de-graaf-1']);
    expect(ma.includes.map((r) => r.resourceType).sort()).toEqual(['Organization', 'PractitionerRole']);
  });

  test('health and close', async () => {
    const a = await createDemoAdapter({ id: 'x', kind: 'demo' }, deps);
    expect((await a.health(new AbortController().signal)).ok).toBe(true);
    await a.close();
    expect((await a.health(new AbortController().signal)).ok).toBe(false);
  });
});

describe('demo EHR that hands out another patient\'s resource', () => {
  test('the adapter boundary raises the alarm and the answer holds nothing of it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'demo-ehr-leak-'));
    writeFileSync(path.join(dir, 'a.json'), JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [
      { resource: { resourceType: 'Patient', id: 'p1' } },
      { resource: { resourceType: 'Patient', id: 'p2' } },
      { resource: { resourceType: 'Flag', id: 'f1', subject: { reference: 'Patient/p1' } } },
      // Filed under p1 (its subject), but it points at p2 too: the demo store serves it to p1.
      { resource: { resourceType: 'Flag', id: 'f2', subject: { reference: 'Patient/p1' }, author: { reference: 'Patient/p2' } } },
    ] }));
    const a = await createDemoAdapter({ id: 'x', kind: 'demo', datasets: { STU3: [dir] } }, deps);
    const alarms: string[] = [];
    const guarded = guardAdapter(a, (v) => alarms.push(...v.map((x) => x.resourceType)));
    const found = await executeSearch(parseSearchRequest({ fhirVersion: 'STU3', resourceType: 'Flag', params: [] }), guarded, ctx('p1', 'STU3'));
    const served = screenSearchAnswer(found, { patientRef: 'p1', fhirVersion: 'STU3' });
    expect(served.outcome.matches.map((r) => r.id)).toEqual(['f1']);
    expect(JSON.stringify(served.outcome)).not.toContain('p2');
    expect(alarms).toEqual(['Flag']);
    expect(await guarded.read('Flag', 'f2', ctx('p1', 'STU3'))).toBeUndefined();
    expect(await guarded.read('Patient', 'p2', ctx('p1', 'STU3'))).toBeUndefined();
    expect(alarms).toEqual(['Flag', 'Flag', 'Patient']);
    await a.close();
  });
});

describe('demo EHR loading from a folder', () => {
  test('JSON Bundles and XML files load; duplicate ids are refused', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'demo-ehr-'));
    writeFileSync(path.join(dir, 'a.json'), JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [
      { resource: { resourceType: 'Patient', id: 'p1', identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999911132' }] } },
      { resource: { resourceType: 'Flag', id: 'f1', subject: { reference: 'Patient/p1', display: 'p' }, period: { start: '${DATE, T, D, -1}' } } },
    ] }));
    writeFileSync(path.join(dir, 'b.xml'), '<Flag xmlns="http://hl7.org/fhir"><id value="f2"/><status value="active"/><subject><reference value="Patient/p1"/></subject></Flag>');
    const a = await createDemoAdapter({ id: 'x', kind: 'demo', datasets: { STU3: [dir] } }, deps);
    expect(await a.findPatientByBsn('999911132', new AbortController().signal)).toEqual({ patientRef: 'p1' });
    const flags = await a.search({ resourceType: 'Flag', params: [], criteria: [] }, ctx('p1', 'STU3'));
    expect(flags.resources.map((r) => r.id)).toEqual(['f1', 'f2']);
    expect((flags.resources[0]?.['period'] as { start: string }).start).toBe('2026-03-30');
    writeFileSync(path.join(dir, 'c.json'), JSON.stringify({ resourceType: 'Flag', id: 'f1', subject: { reference: 'Patient/p1' } }));
    await expect(createDemoAdapter({ id: 'x', kind: 'demo', datasets: { STU3: [dir] } }, deps)).rejects.toThrow(MappingFailed);
  });

  test('an aborted request fails with a timeout error', async () => {
    const a = await createDemoAdapter({ id: 'x', kind: 'demo' }, deps);
    const ac = new AbortController();
    ac.abort();
    await expect(a.search({ resourceType: 'Patient', params: [], criteria: [] }, { ...ctx(GRAAF, 'STU3'), signal: ac.signal })).rejects.toThrow(/deadline/);
  });
});
