import { IMM_BARE_QUERY, IMM_CASES, IMM_QUERY } from '../helpers/nictiz-cases.js';
import { startQualificationGateway, type QualificationGateway } from '../helpers/qualification-gateway.js';
import { fixturesRoot, haveFixtures } from './nictiz-harness.js';

/**
 * Vaccinations 2.x (MedMij data service 63, R4 nl-core Immunization): the search of the Nictiz
 * XIS-Server Test scripts through the composed gateway in qualification mode, over mTLS with a
 * static token per test patient, in JSON and XML, with the entries per resource type each
 * script asserts (nictiz-cases.ts) and its field checks on the vaccinations.
 */
if (!haveFixtures) console.warn(`qualification-immunization: skipped, no Nictiz fixtures at ${fixturesRoot}`);
const d = haveFixtures ? describe : describe.skip;
const SERVICE = '63';

d('vaccinations 2.x (service 63, R4) through the gateway in qualification mode', () => {
  let gateway: QualificationGateway;
  beforeAll(async () => {
    gateway = await startQualificationGateway(IMM_CASES.map(([patientRef]) => ({ patientRef, services: [SERVICE] })));
  });
  afterAll(async () => gateway?.close());

  for (const [patientRef, byType] of IMM_CASES) {
    it(`${patientRef}: ${IMM_QUERY}`, async () => {
      const got = await gateway.ask(SERVICE, 'R4', patientRef, IMM_QUERY);
      expect(got.byType).toEqual(byType);
      expect({ matches: got.matches, total: got.total }).toEqual({ matches: byType['Immunization'], total: byType['Immunization'] });
    });
  }

  for (const [patientRef, byType] of IMM_CASES) {
    it(`${patientRef}: ${IMM_BARE_QUERY} (the government PGO's search) gives the same vaccinations, nothing included`, async () => {
      const n = byType['Immunization'];
      expect(await gateway.ask(SERVICE, 'R4', patientRef, IMM_BARE_QUERY)).toEqual({ matches: n, includes: 0, total: n, byType: { Immunization: n } });
    });
  }

  it('refuses a search the immunization catalogue does not list (a vaccine-code filter)', async () => {
    await expect(gateway.ask(SERVICE, 'R4', IMM_CASES[0]![0], 'Immunization?vaccine-code=http://snomed.info/sct|836398006')).rejects.toThrow(/status 400/);
  });
});
