import { VITALS_CASES, VITALS_HERDER, VITALS_SMORENBURG } from '../helpers/nictiz-cases.js';
import { startQualificationGateway, type QualificationGateway } from '../helpers/qualification-gateway.js';
import { fixturesRoot, haveFixtures } from './nictiz-harness.js';

/**
 * Vital signs 2.x (MedMij data service 52, STU3): every search of the Nictiz Serving-XIS Test
 * scripts through the composed gateway in qualification mode, over mTLS with a static token per
 * test patient, in JSON and XML, with the exact count each script asserts (nictiz-cases.ts).
 * The second test patient has no served measurements: every search answers an empty searchset.
 */
if (!haveFixtures) console.warn(`qualification-vitals: skipped, no Nictiz fixtures at ${fixturesRoot}`);
const d = haveFixtures ? describe : describe.skip;
const SERVICE = '52';

d('vital signs 2.x (service 52, STU3) through the gateway in qualification mode', () => {
  let gateway: QualificationGateway;
  beforeAll(async () => {
    gateway = await startQualificationGateway([
      { patientRef: VITALS_SMORENBURG, services: [SERVICE] },
      { patientRef: VITALS_HERDER, services: [SERVICE] },
    ]);
  });
  afterAll(async () => gateway?.close());

  for (const [query, matches] of VITALS_CASES) {
    it(`${query} → ${matches}`, async () => {
      const got = await gateway.ask(SERVICE, 'STU3', VITALS_SMORENBURG, query);
      expect({ matches: got.matches, includes: got.includes, total: got.total }).toEqual({ matches, includes: 0, total: matches });
      if (matches > 0) expect(got.byType).toEqual({ Observation: matches });
      expect(await gateway.ask(SERVICE, 'STU3', VITALS_HERDER, query)).toEqual({ matches: 0, includes: 0, total: 0, byType: {} });
    });
  }

  it('refuses a search outside the vitals catalogue (BgZ Condition) for this service', async () => {
    await expect(gateway.ask(SERVICE, 'STU3', VITALS_SMORENBURG, 'Condition')).rejects.toThrow(/status 400/);
  });
});
