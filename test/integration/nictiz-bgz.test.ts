import { haveFixtures, loadNictiz, context, runQuery, loadStandard, sharedRoot } from './nictiz-harness.js';
import { linkedPatientIds } from '../../gateway/fhir/search/index.js';
import type { Adapter } from '../../adapters/types.js';
import type { QueryCatalogue } from '../../gateway/fhir/catalogue/index.js';
import { BGZ_CASES as CASES, BGZ_PAT_A as PAT_A, BGZ_PAT_B as PAT_B, NICTIZ_LOAD_DAY } from '../helpers/nictiz-cases.js';

const d = haveFixtures ? describe : describe.skip;
if (!haveFixtures) console.warn(`nictiz-bgz: skipped, no shared fixtures at ${sharedRoot}`);

/** Every BgZ 3.x search of the Test set (QUERIES.md), for both test patients; counts in nictiz-cases.ts. */
d('BgZ 3.x queries on the Nictiz fixtures (catalogue + engine)', () => {
  let adapter: Adapter;
  let catalogue: QueryCatalogue;
  beforeAll(async () => {
    adapter = await loadNictiz('STU3', NICTIZ_LOAD_DAY);
    catalogue = await loadStandard('bgz-3');
  });

  for (const [query, matchA, incA, matchB, incB] of CASES) {
    test(query, async () => {
      for (const [patient, m, i] of [[PAT_A, matchA, incA], [PAT_B, matchB, incB]] as const) {
        const out = await runQuery(catalogue, adapter, context('STU3', patient), query);
        expect({ patient, matches: out.matches.length, includes: out.includes.length, total: out.total }).toEqual({
          patient, matches: m, includes: i, total: m,
        });
        // Never another patient's resource, neither as a match nor as an include.
        for (const r of [...out.matches, ...out.includes]) {
          expect(linkedPatientIds('STU3', r).filter((o) => o !== patient)).toEqual([]);
        }
        for (const r of out.matches) expect(linkedPatientIds('STU3', r)).toEqual([patient]);
      }
    });
  }
});
