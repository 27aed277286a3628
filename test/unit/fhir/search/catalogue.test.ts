import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadCatalogue, matchParams, matchQuery, catalogueFile, CatalogueError } from '../../../../gateway/fhir/catalogue/index.js';
import { parseSearchRequest } from '../../../../gateway/fhir/search/index.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'catalogue-'));
const write = (name: string, text: string) => {
  const f = path.join(tmp, name);
  writeFileSync(f, text);
  return f;
};

describe('query catalogues', () => {
  test('the shipped catalogues load: 25 BgZ templates (28 Cert queries), 7 MP9 building blocks', async () => {
    expect((await loadCatalogue(catalogueFile('bgz-3'))).searches).toHaveLength(25);
    expect((await loadCatalogue(catalogueFile('mp9-3.0'))).searches).toHaveLength(7);
  });

  test('a template with patient or subject is refused at load', async () => {
    const f = write('bad.yaml', 'standard: x\ntitle: X\nfhirVersion: R4\nsearches:\n  - name: a\n    resourceType: Flag\n    params:\n      patient: { format: token }\n');
    await expect(loadCatalogue(f)).rejects.toThrow(/never allowed/);
  });

  test('unknown keys and duplicate names are refused with their path', async () => {
    const f = write('typo.yaml', 'standard: x\ntitle: X\nfhirVersion: R4\nsearches:\n  - name: a\n    resourceType: Flag\n    includes: []\n');
    await expect(loadCatalogue(f)).rejects.toThrow(/searches\.0/);
    const g = write('dup.yaml', 'standard: x\ntitle: X\nfhirVersion: R4\nsearches:\n  - { name: a, resourceType: Flag }\n  - { name: a, resourceType: Flag }\n');
    await expect(loadCatalogue(g)).rejects.toThrow(CatalogueError);
  });

  test('matchParams: exact fixed values, required parameters, includes, prefixes, readable reasons', async () => {
    const bgz = await loadCatalogue(catalogueFile('bgz-3'));
    const ok = matchParams(bgz, 'MedicationRequest', [
      { name: 'category', value: 'http://snomed.info/sct|16076005' },
      { name: '_include', value: 'MedicationRequest:medication' },
    ]);
    expect(ok.ok && ok.template.name).toBe('medication-agreement');
    expect(matchParams(bgz, 'MedicationRequest', [])).toEqual({ ok: false, reason: 'Parameter "category" is required on this search.' });
    expect(matchParams(bgz, 'Condition', [{ name: 'subject', value: 'Patient/x' }])).toEqual({
      ok: false, reason: 'parameter "subject" is not allowed: the patient is taken from the access token',
    });
    expect(matchParams(bgz, 'Condition', [{ name: 'patient.identifier', value: 'x' }]).ok).toBe(false);
    expect(matchParams(bgz, 'Basic', [])).toEqual({ ok: false, reason: 'Basic is not a search of BgZ 3.x' });
    expect(matchParams(bgz, 'Condition', [], 'lastn').ok).toBe(false);
    expect(matchParams(bgz, 'Observation', [{ name: 'code', value: 'http://loinc.org|29463-7' }], 'lastn').ok).toBe(true);
    expect(matchParams(bgz, 'Observation', [{ name: 'code', value: 'http://loinc.org|29463-7' }]).ok).toBe(false);
    expect(matchParams(bgz, 'Condition', [{ name: '_count', value: '10' }]).ok).toBe(true);

    const mp9 = await loadCatalogue(catalogueFile('mp9-3.0'));
    const ma = [{ name: 'category', value: 'http://snomed.info/sct|33633005' }];
    expect(matchParams(mp9, 'MedicationRequest', [...ma, { name: 'period-of-use', value: 'ge2024-01-01' }, { name: 'period-of-use', value: 'le2024-02-01' }]).ok).toBe(true);
    const three = matchParams(mp9, 'MedicationRequest', [...ma, ...['ge2024', 'le2025', 'lt2026'].map((value) => ({ name: 'period-of-use', value }))]);
    expect(three).toEqual({ ok: false, reason: 'Parameter "period-of-use" may be given at most 2 time(s).' });
    // A prefix the catalogue does not list is refused: by the catalogue, or (while the engine cannot
    // parse it) by the engine before any data is read.
    const sa = parseSearchRequest({ fhirVersion: 'R4', resourceType: 'MedicationRequest', params: [...ma, { name: 'period-of-use', value: 'sa2024' }] });
    expect(!matchQuery(mp9, sa).ok || sa.criteria.some((c) => c.kind === 'invalid')).toBe(true);
    expect(matchParams(mp9, 'MedicationRequest', [...ma, { name: 'identifier', value: 'no-system' }])).toEqual({
      ok: false, reason: 'Parameter "identifier" must be one system|value token.',
    });
    expect(matchParams(mp9, 'MedicationDispense', [{ name: 'category', value: 'http://snomed.info/sct|373784005' }, { name: 'whenhandedover', value: 'lt2024' }]).ok).toBe(true);
  });
  test('matching looks only at the searches of the request\'s type and operation, and sees a search added after the first match', async () => {
    const bgz = await loadCatalogue(catalogueFile('bgz-3'));
    const searches = [...bgz.searches];
    const catalogue = { ...bgz, searches };
    // A type's $lastn is a search of its own: Condition is searchable, Condition/$lastn is not.
    expect(matchParams(catalogue, 'Observation', [{ name: 'code', value: 'http://loinc.org|29463-7' }], 'lastn').ok).toBe(true);
    expect(matchParams(catalogue, 'Condition', []).ok).toBe(true);
    expect(matchParams(catalogue, 'Condition', [], 'lastn')).toEqual({ ok: false, reason: `Condition/$lastn is not a search of ${bgz.title}` });
    expect(matchParams(catalogue, 'CarePlan', [])).toEqual({ ok: false, reason: `CarePlan is not a search of ${bgz.title}` });
    searches.push({ ...searches.find((t) => t.resourceType === 'Condition')!, name: 'care-plans', resourceType: 'CarePlan' });
    const carePlan = matchParams(catalogue, 'CarePlan', []);
    expect(carePlan.ok && carePlan.template.name).toBe('care-plans');
  });
});
