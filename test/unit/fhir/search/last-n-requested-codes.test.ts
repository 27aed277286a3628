import { lastN } from '../../../../gateway/fhir/search/last-n.js';
import { parseTokenValue } from '../../../../gateway/fhir/search/token-match.js';
import type { Resource } from '../../../../adapters/types.js';

/** $lastn groups by the requested code, not by every coding an observation carries. */
const height = (id: string, day: string, position: string): Resource => ({
  resourceType: 'Observation',
  id,
  code: { coding: [{ system: 'http://loinc.org', code: '8302-2' }, { system: 'http://snomed.info/sct', code: position }] },
  effectiveDateTime: day,
});
const standing = height('standing', '2026-05-01', '10904000');
const lying = height('lying-newer', '2026-06-01', '102538003');
const glucose = (id: string, code: string, day: string): Resource => ({ resourceType: 'Observation', id, code: { coding: [{ system: 'http://loinc.org', code }] }, effectiveDateTime: day });

test('without a code parameter, another coding set is another code', () => {
  expect(lastN([standing, lying], 1).map((r) => r.id)).toEqual(['standing', 'lying-newer']);
});

test('with code=loinc|8302-2 both positions are one code: only the newest is kept', () => {
  expect(lastN([standing, lying], 1, parseTokenValue('code', 'http://loinc.org|8302-2')).map((r) => r.id)).toEqual(['lying-newer']);
});

test('each requested code of an OR list keeps its own latest', () => {
  const all = [glucose('a1', '14760-3', '2026-06-01'), glucose('a2', '14760-3', '2026-06-02'), glucose('b1', '14770-2', '2026-05-01')];
  expect(lastN(all, 1, parseTokenValue('code', 'http://loinc.org|14760-3,http://loinc.org|14770-2')).map((r) => r.id)).toEqual(['a2', 'b1']);
});
