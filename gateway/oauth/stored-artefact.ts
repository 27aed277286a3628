/**
 * The checks oidc-provider's `Model.find` applies to a record its adapter returns (BaseModel.find
 * → formats/opaque verify → jwt assertPayload → instantiate), restated for the two records the
 * FHIR hot path reads straight from the store: the AccessToken and its Grant. Reading them
 * directly spares every FHIR request the model layer (instantiating AccessToken and Grant,
 * picking their payloads, several async steps) while refusing exactly what `find` refused.
 * Nothing is cached: each request reads the records again, so a deleted token or grant
 * (revocation, replay) is refused on the next request on every replica. (Only the parsing of a
 * record's text is done once per distinct text: access-token-verifier.ts, parsed-records.ts.)
 */

/** oidc-provider's default `clockTolerance` (lib/helpers/defaults.js); provider.ts does not change it. */
const CLOCK_TOLERANCE_SECONDS = 15;

/** A stored record that passed oidc-provider's `find` checks for its model. */
export type AcceptedArtefact = Readonly<Record<string, unknown>>;

/**
 * The record as `find` would have returned it, or undefined where `find` would have returned
 * undefined. `nowSeconds` is epoch seconds, floored, as oidc-provider's epochTime.
 */
export function acceptStoredArtefact(stored: unknown, model: 'AccessToken' | 'Grant', nowSeconds: number): AcceptedArtefact | undefined {
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) return undefined;
  const record = stored as Record<string, unknown>;
  // formats/opaque verify: only opaque records.
  if ('jwt' in record || 'jwt-ietf' in record || 'paseto' in record) return undefined;
  if ('format' in record && record.format !== 'opaque') return undefined;
  if (!claimsHold(record, nowSeconds)) return undefined;
  // BaseModel constructor: a record of another model is refused ("kind mismatch").
  if (record.kind && record.kind !== model) return undefined;
  return record;
}

/** jwt assertPayload as `find` calls it (no audience, issuer or subject given). */
function claimsHold(record: Record<string, unknown>, now: number): boolean {
  const { nbf, iat, exp, jti, iss, aud } = record;
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + CLOCK_TOLERANCE_SECONDS)) return false;
  if (iat !== undefined && (typeof iat !== 'number' || (exp === undefined && iat > now + CLOCK_TOLERANCE_SECONDS))) return false;
  if (exp !== undefined && (typeof exp !== 'number' || now - CLOCK_TOLERANCE_SECONDS >= exp)) return false;
  if (jti !== undefined && typeof jti !== 'string') return false;
  if (iss !== undefined && typeof iss !== 'string') return false;
  if (aud !== undefined && typeof aud !== 'string' && (!Array.isArray(aud) || aud.some((a) => typeof a !== 'string'))) return false;
  return true;
}

/**
 * oidc-provider's `isExpired` (exp <= now, no tolerance), which our token and grant checks add
 * on top of `find`. A record without `exp` never expires, as there.
 */
export function isExpiredAt(record: AcceptedArtefact, nowSeconds: number): boolean {
  return typeof record.exp === 'number' && record.exp <= nowSeconds;
}
