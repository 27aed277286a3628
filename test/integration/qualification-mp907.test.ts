import { MP907_CASES } from '../helpers/nictiz-cases.js';
import { startQualificationGateway, type QualificationGateway } from '../helpers/qualification-gateway.js';
import { fixturesRoot, haveFixtures } from './nictiz-harness.js';

/**
 * Medicatieproces 9.0.7 (MedMij data service 31, STU3): searches of the Nictiz XIS-Server Test
 * scripts through the composed gateway in qualification mode, over mTLS with Nictiz's static
 * token per test patient, in JSON and XML, with the counts each script asserts
 * (nictiz-cases.ts): identifier, pharmaceutical treatment, chained medication.code and
 * period-of-use windows on agreements and dispense requests; dispenses with their includes.
 */
if (!haveFixtures) console.warn(`qualification-mp907: skipped, no Nictiz fixtures at ${fixturesRoot}`);
const d = haveFixtures ? describe : describe.skip;
const SERVICE = '31';

d('Medicatieproces 9.0.7 (service 31, STU3) through the gateway in qualification mode', () => {
  let gateway: QualificationGateway;
  beforeAll(async () => {
    const patients = [...new Set(MP907_CASES.map(([p]) => p))];
    gateway = await startQualificationGateway(patients.map((patientRef) => ({ patientRef, services: [SERVICE] })));
  });
  afterAll(async () => gateway?.close());

  for (const [patientRef, query, asserted, entries] of MP907_CASES) {
    it(`${patientRef}: ${query}`, async () => {
      const got = await gateway.ask(SERVICE, 'STU3', patientRef, query);
      for (const [type, n] of Object.entries(asserted)) expect({ type, n: got.byType[type] ?? 0 }).toEqual({ type, n });
      expect(got.total).toBe(got.matches);
      if (entries !== undefined) expect(got.matches + got.includes).toBe(entries);
      // Every agreement or request arrives with its medication (the scripts read it from the includes).
      if (got.matches > 0) expect(got.byType['Medication'] ?? 0).toBeGreaterThan(0);
    });
  }
});
