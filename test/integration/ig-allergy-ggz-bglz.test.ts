import { DE_GRAAF, NEW_SERVICE_CASES, NEW_STU3_SERVICES, VAN_LEEUWEN, type Want } from '../helpers/new-services-cases.js';
import { startQualificationGateway, type Counted, type QualificationGateway } from '../helpers/qualification-gateway.js';

/**
 * Overgevoeligheden (54), Basisgegevens GGZ (50) and Basisgegevens Langdurige Zorg (61), all FHIR
 * STU3: every search their implementation guides have a PGO send (the MedMij AllergyIntolerance
 * 3.0, GGZ 2.0 and BgLZ 3.0 guides; the government PGO's data-service configuration for 50 and
 * 61), through the composed gateway over two-sided TLS with a static test token per patient, in
 * JSON and XML. No Nictiz test set of these services is shared, so they run on the synthetic demo
 * patients, with the counts of test/helpers/new-services-cases.ts.
 */

function expected([matches, includes = {}]: Want, matchType: string): Counted {
  const count = Object.values(includes).reduce((a, b) => a + b, 0);
  const byType: Record<string, number> = { ...includes };
  if (matches > 0) byType[matchType] = (byType[matchType] ?? 0) + matches;
  return { matches, includes: count, total: matches, byType };
}

describe('allergies (54), GGZ (50) and BgLZ (61) through the composed gateway, JSON and XML', () => {
  let gateway: QualificationGateway;
  beforeAll(async () => {
    const services = NEW_STU3_SERVICES.map((s) => s.id);
    gateway = await startQualificationGateway(
      [{ patientRef: DE_GRAAF, services }, { patientRef: VAN_LEEUWEN, services }],
      { synthetic: true, addServices: NEW_STU3_SERVICES },
    );
  });
  afterAll(async () => gateway?.close());

  for (const service of NEW_STU3_SERVICES) {
    for (const [query, deGraaf, vanLeeuwen] of NEW_SERVICE_CASES[service.id]!) {
      const type = query.split(/[/?]/)[0]!;
      it(`${service.id} (${service.standard}) ${query}`, async () => {
        // Counts per type, as the guides state them; per-category counts are the MP 9.0.7 suite's.
        const { byCategory: _dg, ...deGraafCounted } = await gateway.ask(service.id, 'STU3', DE_GRAAF, query);
        const { byCategory: _vl, ...vanLeeuwenCounted } = await gateway.ask(service.id, 'STU3', VAN_LEEUWEN, query);
        expect(deGraafCounted).toEqual(expected(deGraaf, type));
        expect(vanLeeuwenCounted).toEqual(expected(vanLeeuwen, type));
      });
    }
  }

  it.each([
    ['54', 'Condition'],
    ['54', 'AllergyIntolerance?category=medication'],
    ['50', 'MedicationRequest?category=http://snomed.info/sct|16076005'],
    ['50', 'CarePlan'],
    ['61', 'CarePlan?_include=CarePlan:goal'],
    ['61', 'Observation?code=http://snomed.info/sct|365470003'],
  ])('service %s refuses %s (not in its implementation guide) with 400', async (service, query) => {
    await expect(gateway.ask(service, 'STU3', DE_GRAAF, query)).rejects.toThrow(/status 400/);
  });
});
