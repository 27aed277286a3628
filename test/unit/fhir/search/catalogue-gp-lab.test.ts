import { catalogueFile, loadCatalogue, matchParams, type QueryCatalogue } from '../../../../gateway/fhir/catalogue/index.js';
import type { SearchParam } from '../../../../adapters/types.js';

/**
 * The GP data 2.x and Lab 2.x catalogues: every search of shared/medmij/QUERIES.md for them is
 * allowed (the template it matched is named), and near-misses are refused with a reason that
 * names the parameter, never its value.
 */
const NHG45 = 'https://referentiemodel.nhg.org/tabellen/nhg-tabel-45-diagnostische-bepalingen|';
const SCT = 'http://snomed.info/sct';

/** `Type?a=1&b=2` → resource type and parameters, decoded, in order (as request.ts hands them over). */
function parse(query: string): { type: string; params: SearchParam[] } {
  const [type, search = ''] = query.split('?') as [string, string | undefined];
  return { type, params: [...new URLSearchParams(search)].map(([name, value]) => ({ name, value })) };
}

function match(c: QueryCatalogue, query: string) {
  const { type, params } = parse(query);
  return matchParams(c, type, params);
}

let gp: QueryCatalogue;
let lab: QueryCatalogue;

beforeAll(async () => {
  gp = await loadCatalogue(catalogueFile('gp-2'));
  lab = await loadCatalogue(catalogueFile('lab-2'));
});

describe('gp-2 (Huisartsgegevens 2.x)', () => {
  test('loads as an STU3 catalogue with one template per QUERIES.md search', () => {
    expect(gp.standard).toBe('gp-2');
    expect(gp.fhirVersion).toBe('STU3');
    expect(gp.searches.map((s) => `${s.resourceType}:${s.name}`)).toEqual([
      'Patient:patient',
      'Encounter:encounter',
      'EpisodeOfCare:episode-of-care',
      'Composition:journal-entry',
      'AllergyIntolerance:medication-allergy',
      'MedicationRequest:medication-agreement',
      'Observation:diagnostic-result',
    ]);
  });

  test.each([
    ['Patient?_include=Patient:general-practitioner', 'patient'],
    ['Encounter', 'encounter'],
    ['EpisodeOfCare', 'episode-of-care'],
    ['Composition?type=http://loinc.org|67781-5', 'journal-entry'],
    ['AllergyIntolerance?category=medication', 'medication-allergy'],
    [`MedicationRequest?periodofuse=ge2024-06-01&category=${SCT}|16076005&_include=MedicationRequest:medication`, 'medication-agreement'],
    [`MedicationRequest?category=${SCT}|16076005&_include=MedicationRequest:medication`, 'medication-agreement'],
    [`Observation?code=${encodeURIComponent(NHG45)}&_include=Observation:related-target&_include=Observation:specimen&date=ge2024-04-01`, 'diagnostic-result'],
    [`Observation?code=${encodeURIComponent(NHG45)}&_count=50&_format=json`, 'diagnostic-result'],
  ])('allows %s', (query, template) => {
    const m = match(gp, query);
    expect(m).toMatchObject({ ok: true });
    expect(m.ok && m.template.name).toBe(template);
  });

  test.each([
    [`MedicationRequest?periodofuse=ge2024-06-01&category=${SCT}|52711000146108`, 'This value of parameter "category" is not supported on MedicationRequest'],
    [`MedicationRequest?category=${SCT}|16076005&periodofuse=le2024-06-01`, 'Prefix "le" is not supported on parameter "periodofuse"'],
    [`MedicationRequest?category=${SCT}|16076005&_include=MedicationRequest:requester`, '_include=MedicationRequest:requester is not supported'],
    ['MedicationRequest?periodofuse=ge2024-06-01', 'Parameter "category" is required'],
    [`Observation?code=http://loinc.org|&date=ge2024-04-01`, 'This value of parameter "code" is not supported on Observation'],
    [`Observation?code=${encodeURIComponent(NHG45)}&status=final`, 'Parameter "status" is not supported on Observation'],
    [`Observation?code=${encodeURIComponent(NHG45)}&date=ge2024-01-01&date=ge2024-02-01`, 'Parameter "date" may be given at most 1 time(s)'],
    ['AllergyIntolerance?category=food', 'This value of parameter "category" is not supported on AllergyIntolerance'],
    ['AllergyIntolerance', 'Parameter "category" is required'],
    ['Composition', 'Parameter "type" is required'],
    ['Encounter?class=AMB', 'Parameter "class" is not supported on Encounter'],
    ['Encounter?patient=Patient/p1', 'parameter "patient" is not allowed: the patient is taken from the access token'],
    ['Patient?_id=p2', 'Parameter "_id" is not supported on Patient'],
    ['Condition', 'Condition is not a search of Huisartsgegevens 2.x'],
  ])('refuses %s with a readable reason', (query, reason) => {
    const m = match(gp, query);
    expect(m.ok).toBe(false);
    expect(!m.ok && m.reason).toContain(reason);
    // Reasons name parameters, never the values a client sent (no echo of input, house rule 6).
    expect(!m.ok && m.reason).not.toMatch(/52711000146108|loinc|food|AMB|Patient\/p1|p2\b/);
  });

  test('$lastn is not part of GP data', () => {
    expect(matchParams(gp, 'Observation', [{ name: 'code', value: NHG45 }], 'lastn')).toEqual({
      ok: false,
      reason: 'Observation/$lastn is not a search of Huisartsgegevens 2.x',
    });
  });
});

describe('lab-2 (Laboratoriumresultaten 2.x)', () => {
  test('loads as an STU3 catalogue with the one QUERIES.md search', () => {
    expect(lab.standard).toBe('lab-2');
    expect(lab.fhirVersion).toBe('STU3');
    expect(lab.searches).toHaveLength(1);
  });

  test('allows Observation?category=http://snomed.info/sct|49581000146104', () => {
    const m = match(lab, `Observation?category=${SCT}|49581000146104`);
    expect(m.ok && m.template.name).toBe('laboratory-test-result');
  });

  test.each([
    [`Observation?category=${SCT}|275711006`, 'This value of parameter "category" is not supported'],
    [`Observation?category=${SCT}|49581000146104&code=http://loinc.org|718-7`, 'Parameter "code" is not supported on Observation'],
    [`Observation?category=${SCT}|49581000146104&_include=Observation:specimen`, '_include=Observation:specimen is not supported'],
    [`Observation?category=${SCT}|49581000146104&patient=p1`, 'parameter "patient" is not allowed'],
    [`Observation?category=${SCT}|49581000146104&subject:Patient.identifier=x|1`, 'parameter "subject:Patient.identifier" is not allowed'],
    ['Observation', 'Parameter "category" is required'],
    ['DiagnosticReport', 'DiagnosticReport is not a search of Laboratoriumresultaten 2.x'],
  ])('refuses %s', (query, reason) => {
    const m = match(lab, query);
    expect(m.ok).toBe(false);
    expect(!m.ok && m.reason).toContain(reason);
  });
});
