import type { FhirVersion } from '../../adapters/types.js';
import { startQualificationGateway, type Counted, type QualificationGateway } from '../helpers/qualification-gateway.js';
import {
  BGZ_CASES,
  BGZ_PAT_A,
  BGZ_PAT_B,
  MP9_BLOCKS,
  MP9_CASES,
  MP9_PATIENT_COUNT,
  listMp9Patients,
} from '../helpers/nictiz-cases.js';
import { fixturesRoot, haveFixtures } from './nictiz-harness.js';

/**
 * Every BgZ 3.x and MP9 3.0 search of shared/medmij/QUERIES.md through the composed gateway in
 * qualification mode (config/gateway.qualification.yaml), over mTLS with the listed PGO
 * certificate and a static token per test patient, in JSON and in XML
 * (test/helpers/qualification-gateway.ts). Each answer gets the exact counts of nictiz-cases.ts
 * (worked out from the fixtures) and the checks of "What every answer is checked for"; the XML
 * answer must carry the same entries as the JSON one.
 */
const fixtures = fixturesRoot;
if (!haveFixtures) console.warn(`qualification-http tests skipped: no Nictiz fixtures at ${fixtures}`);
const describeWithFixtures = haveFixtures ? describe : describe.skip;

const BGZ_SERVICE = '48';
const MP9_SERVICE = 'mp9-3.0';
/** Requests in flight at once: enough to overlap I/O, few enough for 2 shared cores. */
const PARALLEL = 4;

/** Runs fn over items with at most `limit` calls in flight; results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

describeWithFixtures('every qualification query through the gateway in qualification mode', () => {
  const mp9Patients = haveFixtures ? listMp9Patients(fixtures) : [];
  let qual: QualificationGateway;
  const startedAt = Date.now();

  beforeAll(async () => {
    qual = await startQualificationGateway(
      [
        ...[BGZ_PAT_A, BGZ_PAT_B].map((patientRef) => ({ patientRef, services: [BGZ_SERVICE] })),
        ...mp9Patients.map((patientRef) => ({ patientRef, services: [MP9_SERVICE] })),
      ],
      { connections: PARALLEL },
    );
  });

  afterAll(async () => {
    await qual?.close();
    console.warn(`qualification-http: ${qual?.requests ?? 0} HTTP requests in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  });

  /** The counts this suite compares (the helper also counts per resource type). */
  async function ask(service: string, version: FhirVersion, patientRef: string, query: string): Promise<Omit<Counted, 'byType'>> {
    const { matches, includes, total } = await qual.ask(service, version, patientRef, query);
    return { matches, includes, total };
  }

  it('has a token for both BgZ patients and every MP9 test patient', () => {
    expect(mp9Patients).toHaveLength(MP9_PATIENT_COUNT);
    expect(qual.patientRefs).toHaveLength(2 + MP9_PATIENT_COUNT);
  });

  describe('BgZ 3.x (service 48, STU3)', () => {
    for (const [query, matchA, incA, matchB, incB] of BGZ_CASES) {
      for (const [patientRef, matches, includes] of [[BGZ_PAT_A, matchA, incA], [BGZ_PAT_B, matchB, incB]] as const) {
        it(`${patientRef}: ${query}`, async () => {
          expect(await ask(BGZ_SERVICE, 'STU3', patientRef, query)).toEqual({ matches, includes, total: matches });
        });
      }
    }
  });

  describe('MP9 3.0 building blocks (service mp9-3.0, R4), summed over all 39 patients', () => {
    for (const [query, total] of MP9_BLOCKS) {
      it(query, async () => {
        const got = await mapLimit(mp9Patients, PARALLEL / 2, (p) => ask(MP9_SERVICE, 'R4', p, query));
        for (const c of got) expect(c.total).toBe(c.matches);
        expect(got.reduce((sum, c) => sum + c.matches, 0)).toBe(total);
      });
    }
  });

  describe('MP9 3.0 variants (service mp9-3.0, R4)', () => {
    for (const [patientRef, query, matches, includes] of MP9_CASES) {
      it(`${patientRef}: ${query}`, async () => {
        expect(await ask(MP9_SERVICE, 'R4', patientRef, query)).toEqual({ matches, includes, total: matches });
      });
    }
  });
});
