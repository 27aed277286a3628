import { readdirSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FhirVersion, Resource } from '../../adapters/types.js';
import { judgeCompartment, parseFhirXml } from '../../gateway/fhir/index.js';
import { catalogueFile, loadCatalogue, standardsFolder } from '../../gateway/fhir/catalogue/index.js';
import { buildParamTable, findParamDefinition, linkedPatientIds, patientCompartmentLinks, SEARCH_PARAMETERS } from '../../gateway/fhir/search/index.js';
import { fixturesRoot, haveFixtures } from './nictiz-harness.js';

/**
 * The search-parameter and compartment definitions (gateway/fhir/definitions/): every parameter a
 * built-in catalogue names has a definition, malformed data stops the start, and the
 * CompartmentDefinition links the Nictiz test patients' resources to exactly the patients the
 * adapters' compartment index finds.
 */
// Every built-in catalogue: a new data service's file is checked without editing this list.
const CATALOGUES = readdirSync(standardsFolder).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, ''));

const NO_CANONICAL_STU3 = new Set(['periodofuse', 'medicationtreatment', 'requestdate', 'activity-goal', 'activity-outcomereference', 'activity-medicaldevice']);

describe('search parameter definitions', () => {
  test('every parameter, chain and _include of the built-in catalogues is defined', async () => {
    for (const key of CATALOGUES) {
      const c = await loadCatalogue(catalogueFile(key));
      for (const t of c.searches) {
        for (const name of Object.keys(t.params)) {
          const [head = '', chained] = name.split(':')[0]!.split('.');
          const def = findParamDefinition(c.fhirVersion, t.resourceType, head);
          expect({ key, type: t.resourceType, name, defined: def !== undefined }).toEqual({ key, type: t.resourceType, name, defined: true });
          if (chained !== undefined) expect(findParamDefinition(c.fhirVersion, def?.targets?.[0] ?? '', chained)).toBeDefined();
        }
        for (const inc of [...t.include, ...t.iterate]) {
          const [source = '', param = ''] = inc.split(':');
          expect({ key, inc, type: findParamDefinition(c.fhirVersion, source, param)?.type }).toEqual({ key, inc, type: 'reference' });
        }
      }
    }
  });

  test('each definition names its source and a canonical URL where one is published', () => {
    for (const version of ['STU3', 'R4'] as const) {
      for (const [type, params] of SEARCH_PARAMETERS[version]) {
        for (const [code, def] of params) {
          // Nictiz MP 9.0.7 and BgLZ 3.x published no canonical SearchParameter for these (definitions/README.md).
          if (!(version === 'STU3' && NO_CANONICAL_STU3.has(code))) expect(def.url).toMatch(/^http:\/\/(hl7\.org\/fhir|nictiz\.nl\/fhir)\/SearchParameter\//);
          expect(def.expression.length).toBeGreaterThan(0);
          expect({ type, code, ok: typeof def.values === 'function' }).toEqual({ type, code, ok: true });
        }
      }
    }
  });

  test('a malformed definition or an expression that does not compile is refused at start', () => {
    const sp = (expression: string, type = 'token') => ({ entry: [{ resource: { resourceType: 'SearchParameter', code: 'x', base: ['Observation'], type, expression } }] });
    expect(() => buildParamTable('R4', sp('Observation.code'))).not.toThrow();
    expect(() => buildParamTable('R4', sp('Observation.code.where('))).toThrow(/does not compile/);
    expect(() => buildParamTable('R4', sp('Observation.code', 'composite'))).toThrow(/not a usable SearchParameter/);
    expect(() => buildParamTable('R4', { entry: [...sp('Observation.code').entry, ...sp('Observation.code').entry] })).toThrow(/defined twice/);
  });

  test('the compartment comes from the CompartmentDefinition', () => {
    expect(patientCompartmentLinks('R4', 'MedicationRequest')?.map((l) => l.param)).toEqual(['subject']);
    expect(patientCompartmentLinks('R4', 'Observation')?.map((l) => l.param)).toEqual(['subject', 'performer']);
    expect(patientCompartmentLinks('STU3', 'Coverage')?.map((l) => l.param)).toEqual(['policy-holder', 'subscriber', 'beneficiary', 'payor']);
    expect(patientCompartmentLinks('R4', 'Medication')).toBeUndefined();
    expect(patientCompartmentLinks('R4', 'PractitionerRole')).toBeUndefined();
  });
});

const d = haveFixtures ? describe : describe.skip;
if (!haveFixtures) console.warn(`search-definitions: Nictiz cross-check skipped, no shared fixtures at ${fixturesRoot}`);

d('the compartment on the Nictiz fixtures', () => {
  async function load(version: FhirVersion, folder: string): Promise<Resource[]> {
    const dir = path.join(fixturesRoot, folder);
    const out: Resource[] = [];
    for (const name of (await readdir(dir)).filter((n) => n.endsWith('.xml')).sort()) {
      out.push(parseFhirXml(await readFile(path.join(dir, name), 'utf8'), version) as unknown as Resource);
    }
    return out;
  }

  test.each([
    ['STU3', 'stu3-bgz-test'],
    ['STU3', 'stu3-medication-907-test'],
    ['R4', 'r4-medication-test'],
    ['R4', 'r4-immunization-test'],
  ] as Array<[FhirVersion, string]>)('%s %s: the FHIRPath links (the demo EHR\'s index) and the gateway\'s walk see the same links', async (version, folder) => {
    const resources = await load(version, folder);
    expect(resources.length).toBeGreaterThan(10);
    let linked = 0;
    for (const r of resources) {
      const ids = linkedPatientIds(version, r).sort();
      const label = `${r.resourceType}/${r.id ?? ''}`;
      // Every patient the FHIRPath reading links must be a link for the walk too (never 'unlinked').
      for (const patientRef of ids) expect({ label, patientRef, verdict: judgeCompartment(r, { patientRef, fhirVersion: version }) }).not.toEqual({ label, patientRef, verdict: 'unlinked' });
      if (ids.length > 0) linked++;
    }
    expect(linked).toBeGreaterThan(0);
  });
});
