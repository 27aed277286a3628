import type { OAuthClientList } from '../lists/index.js';
import type { KeyValueStore } from '../storage/index.js';
import type { AccessTokenVerifier, GrantContext } from './grant-context.js';
import { grantDetailsKey, parseGrantDetails } from './grant-details.js';
import { createParsedRecords } from './parsed-records.js';
import { KeyValueStoreAdapter } from './storage-adapter.js';
import { acceptStoredArtefact, isExpiredAt } from './stored-artefact.js';

/** The access-token extra that carries the RFC 8705 confirmation claim. */
export interface TokenConfirmation {
  readonly cnf?: { readonly 'x5t#S256'?: string };
}

/** Opaque token ids as oidc-provider issues them (nanoid), with room to spare; anything else is not looked up. */
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{20,200}$/;

/**
 * Bearer token → GrantContext for the FHIR server. Denies (undefined) when the token is unknown,
 * expired or revoked, when its grant is gone (a replayed code destroys the grant, which also
 * voids tokens issued in the race), when the PGO is no longer on the OCL or no OCL is in force
 * (fail closed), or when binding is on and the token carries no certificate thumbprint.
 *
 * Reads the records oidc-provider wrote (the AccessToken, then the Grant and our grant details
 * together: two store reads) and applies the checks its `AccessToken.find` / `Grant.find` apply
 * (stored-artefact.ts), without its model layer: this runs on every FHIR request. Every request
 * reads the store again, so revocation holds on the next request on every replica.
 */
export function createAccessTokenVerifier(deps: {
  readonly store: KeyValueStore;
  readonly currentOAuthClientList: () => OAuthClientList | undefined;
  readonly certificateBoundTokens: boolean;
  readonly now?: () => number;
}): AccessTokenVerifier {
  const now = deps.now ?? Date.now;
  // Three records per FHIR request, parsed once per distinct text (parsed-records.ts): the
  // store is still read every time. 4096 texts: the records of about 1,400 tokens in use, a few MiB.
  const records = createParsedRecords(4096);
  return {
    async verify(token: string): Promise<GrantContext | undefined> {
      if (typeof token !== 'string' || !TOKEN_FORMAT.test(token)) return undefined;
      const raw = await deps.store.get(KeyValueStoreAdapter.keyFor('AccessToken', token));
      if (raw === undefined) return undefined;
      const seconds = Math.floor(now() / 1000);
      const at = acceptStoredArtefact(records.parse(raw), 'AccessToken', seconds);
      if (!at || isExpiredAt(at, seconds) || typeof at.exp !== 'number') return undefined;
      // Tokens bound to a login session need that session looked up; this server never issues
      // them (expiresWithSession is false), so one that claims it is refused (fail closed).
      if (at.expiresWithSession) return undefined;
      const { grantId, accountId, clientId } = at;
      if (!isFilledString(grantId) || !isFilledString(accountId) || !isFilledString(clientId)) return undefined;
      const scope = at.scope ?? '';
      if (typeof scope !== 'string') return undefined;

      const [rawGrant, rawDetails] = await deps.store.getMany([KeyValueStoreAdapter.keyFor('Grant', grantId), grantDetailsKey(grantId)]);
      const grant = rawGrant === undefined ? undefined : acceptStoredArtefact(records.parse(rawGrant), 'Grant', seconds);
      if (!grant || isExpiredAt(grant, seconds)) return undefined;
      const details = parseGrantDetails(rawDetails, records.parse);
      if (!details || details.patientRef !== accountId) return undefined;
      if (!deps.currentOAuthClientList()?.byHostname(clientId)) return undefined;
      const thumbprint = ((at.extra ?? {}) as TokenConfirmation).cnf?.['x5t#S256'];
      if (deps.certificateBoundTokens && typeof thumbprint !== 'string') return undefined;
      return {
        clientId,
        providerName: details.providerName,
        serviceIds: details.serviceIds,
        patientRef: details.patientRef,
        scope,
        expiresAt: new Date(at.exp * 1000),
        sessionId: details.sessionId,
        ...(typeof thumbprint === 'string' ? { certificateThumbprint: thumbprint } : {}),
      };
    },
  };
}

function isFilledString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}
