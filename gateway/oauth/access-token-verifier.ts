import type { OAuthClientList } from '../lists/index.js';
import type { AccessTokenVerifier, GrantContext } from './grant-context.js';
import type { GrantDetailsStore } from './grant-details.js';
import type { OAuthProvider } from './provider.js';

/** The access-token extra that carries the RFC 8705 confirmation claim. */
export interface TokenConfirmation {
  readonly cnf?: { readonly 'x5t#S256'?: string };
}

/**
 * Bearer token → GrantContext for the FHIR server. Denies (undefined) when the token is unknown,
 * expired or revoked, when its grant is gone (a replayed code destroys the grant, which also
 * voids tokens issued in the race), when the PGO is no longer on the OCL or no OCL is in force
 * (fail closed), or when binding is on and the token carries no certificate thumbprint.
 */
export function createAccessTokenVerifier(deps: {
  readonly provider: OAuthProvider;
  readonly grants: GrantDetailsStore;
  readonly currentOAuthClientList: () => OAuthClientList | undefined;
  readonly certificateBoundTokens: boolean;
}): AccessTokenVerifier {
  return {
    async verify(token: string): Promise<GrantContext | undefined> {
      if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{20,200}$/.test(token)) return undefined;
      const at = await deps.provider.findAccessToken(token);
      if (!at) return undefined;
      const [alive, details] = await Promise.all([deps.provider.grantExists(at.grantId), deps.grants.get(at.grantId)]);
      if (!alive || !details || details.patientRef !== at.accountId) return undefined;
      if (!deps.currentOAuthClientList()?.byHostname(at.clientId)) return undefined;
      const thumbprint = (at.extra as TokenConfirmation).cnf?.['x5t#S256'];
      if (deps.certificateBoundTokens && typeof thumbprint !== 'string') return undefined;
      return {
        clientId: at.clientId,
        providerName: details.providerName,
        serviceIds: details.serviceIds,
        patientRef: details.patientRef,
        scope: at.scope,
        expiresAt: at.expiresAt,
        sessionId: details.sessionId,
        ...(typeof thumbprint === 'string' ? { certificateThumbprint: thumbprint } : {}),
      };
    },
  };
}
