import type { Resource } from '../../../adapters/types.js';
import { compileFhirPath } from './fhirpath-engine.js';
import { matchesToken, tokensOf, type TokenCriterion } from './token-match.js';
import { rangeOf } from './date-match.js';
import { memoizeFrozen } from './frozen-memo.js';

/**
 * `Observation/$lastn` (FHIR R4 Observation-lastn; BgZ uses it on STU3 too): for every distinct
 * code, the `max` most recent observations by effective time (issued when there is none).
 * Observations with the same set of codings count as one code. When the search names codes
 * (`code=a,b`), an observation counts under the first of those it carries: extra codings that
 * qualify it (zib BodyHeight's standing/lying position as a second SNOMED coding) do not make it
 * another code, as the Nictiz Zelfmetingen scripts require (`$lastn?code=…|8302-2` → 1).
 */
// Observation.code and .effective have the same shape in STU3 and R4.
const OBSERVATION_CODE = compileFhirPath('R4', 'Observation.code');
const OBSERVATION_EFFECTIVE = compileFhirPath('R4', 'Observation.effective');

/** The key of an observation's own set of codings (sorted), the same for every search. */
const ownCodeKey = memoizeFrozen((obs: Resource): string =>
  OBSERVATION_CODE(obs)
    .flatMap((v) => tokensOf(v))
    .map((t) => `${t.system ?? ''}|${t.code}`)
    .sort()
    .join(','),
);

function codeKey(obs: Resource, requested: readonly TokenCriterion[]): string {
  if (requested.length > 0) {
    const codes = OBSERVATION_CODE(obs);
    const first = requested.find((c) => matchesToken(codes, [c]));
    if (first) return `requested:${first.system ?? ''}|${first.code ?? ''}`;
  }
  return ownCodeKey(obs);
}

const effectiveTime = memoizeFrozen((obs: Resource): number => {
  for (const v of OBSERVATION_EFFECTIVE(obs)) {
    const r = rangeOf(v);
    if (r) return Number.isFinite(r.high) ? r.high : r.low;
  }
  const issued = typeof obs['issued'] === 'string' ? rangeOf(obs['issued']) : undefined;
  return issued?.low ?? -Infinity;
});

interface Ranked {
  readonly obs: Resource;
  readonly time: number;
  readonly position: number;
}

/**
 * One pass, keeping per code only the `max` most recent seen so far (newest first): no sort of
 * every group, and each observation's time is read once, not in every comparison. Equal times
 * keep the adapter's order, as the stable sort this replaces did.
 */
export function lastN(observations: readonly Resource[], max: number, requestedCodes: readonly TokenCriterion[] = []): Resource[] {
  const groups = new Map<string, Ranked[]>();
  observations.forEach((obs, position) => {
    const key = codeKey(obs, requestedCodes);
    const time = effectiveTime(obs);
    let kept = groups.get(key);
    if (kept === undefined) groups.set(key, (kept = []));
    const last = kept[kept.length - 1];
    if (kept.length >= max && last !== undefined && !(time > last.time)) return;
    let at = kept.length;
    while (at > 0 && time > (kept[at - 1] as Ranked).time) at--;
    kept.splice(at, 0, { obs, time, position });
    if (kept.length > max) kept.pop();
  });
  // Keep the adapter's order so results are stable.
  return [...groups.values()]
    .flat()
    .sort((a, b) => a.position - b.position)
    .map((r) => r.obs);
}
