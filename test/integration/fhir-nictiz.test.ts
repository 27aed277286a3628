import { existsSync } from 'node:fs';
import path from 'node:path';
import { createDemoAdapter } from '../../adapters/index.js';
import { projectRoot } from '../../gateway/project-root.js';
import { parseFhirXml } from '../../gateway/fhir/fhir-xml.js';
import { compartmentPatients } from '../../gateway/fhir/search/index.js';
import { createStaticTokenVerifier } from '../../gateway/fhir/index.js';
import { createSilentLogger } from '../../gateway/observability/logger.js';
import type { Resource } from '../../adapters/types.js';
import { assertMedMijAnswer } from '../helpers/fhir-answer-checks.js';
import { startFhirTestServer, type TestServer } from '../helpers/fhir-test-server.js';

/**
 * The BgZ qualification searches (QUERIES.md) against the Nictiz test patients, loaded into the
 * demo EHR, over HTTP in JSON and XML, each answer run through the MedMij checks.
 */
const fixtures = path.resolve(projectRoot, '../shared/fixtures/nictiz/stu3-bgz-test');
const present = existsSync(fixtures);
if (!present) console.warn(`skipping Nictiz FHIR API tests: ${fixtures} is absent`);
const maybe = present ? describe : describe.skip;

const TOKEN = 'nictiz-bgz-patient-a-token-01';
const SEARCHES = [
  'Patient?_include=Patient:general-practitioner',
  'Coverage?_include=Coverage:payor:Patient&_include=Coverage:payor:Organization',
  'Condition',
  'AllergyIntolerance',
  'Observation/$lastn?category=http://snomed.info/sct|275711006&_include=Observation:related-target&_include=Observation:specimen',
  'MedicationRequest?category=http://snomed.info/sct|16076005&_include=MedicationRequest:medication',
];

maybe('FHIR API on the Nictiz BgZ test patients', () => {
  let srv: TestServer;
  let base: string;
  beforeAll(async () => {
    const demo = await createDemoAdapter({ id: 'demo', kind: 'demo', datasets: { STU3: [fixtures] } }, { log: createSilentLogger(), parseXml: parseFhirXml, compartment: compartmentPatients });
    srv = await startFhirTestServer({
      adapters: new Map([['demo', demo]]),
      providers: [{ name: 'demoziekenhuis', displayName: 'Demo', services: [{ id: '48', standard: 'bgz-3', fhirVersion: 'STU3', adapter: 'demo', timeoutMs: 5000 }] }],
      verifier: createStaticTokenVerifier([{ token: TOKEN, patientRef: 'medmij-bgz-test-patA', provider: 'demoziekenhuis', services: ['48'] }]),
    });
    base = `${srv.url}/fhir/demoziekenhuis/48`;
  });
  afterAll(() => srv.close());

  it.each(SEARCHES)('%s passes the MedMij answer checks in JSON and XML', async (search) => {
    const url = `${base}/${search}`;
    const answers: unknown[] = [];
    for (const accept of ['application/fhir+json', 'application/fhir+xml']) {
      const res = await fetch(url, { headers: { Authorization: `Bearer ${TOKEN}`, Accept: accept } });
      expect(res.status).toBe(200);
      const text = await res.text();
      const bundle = accept.endsWith('json') ? (JSON.parse(text) as Resource) : parseFhirXml(text, 'STU3');
      assertMedMijAnswer(bundle, { url, patientRef: 'medmij-bgz-test-patA' });
      answers.push({ ...bundle, id: undefined });
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(((answers[0] as { entry?: unknown[] }).entry ?? []).length).toBeGreaterThan(0);
  });
});
