/**
 * What a valid access token stands for. The seam between the authorization server (which issues
 * tokens) and the FHIR resource server (which only ever sees this value, never the token's
 * storage format). Qualification mode's static tokens produce the same value.
 */
export interface GrantContext {
  /** The PGO's OAuth client_id (its host name on the OAuth client list). */
  readonly clientId: string;
  /** Care provider's MedMij name without `@medmij`, e.g. `demoziekenhuis`. */
  readonly providerName: string;
  /** GegevensdienstIds this token gives access to, at this provider. */
  readonly serviceIds: readonly string[];
  /** The EHR's patient reference fixed at login; never a BSN. */
  readonly patientRef: string;
  /** The scope string as granted (for audit and the token response). */
  readonly scope: string;
  /**
   * RFC 8705 `cnf.x5t#S256`: base64url SHA-256 of the client certificate used at the token
   * endpoint. Undefined when binding is off or for qualification tokens.
   */
  readonly certificateThumbprint?: string;
  readonly expiresAt: Date;
  /** X-Correlation-ID of the authorization session, for the audit trail. */
  readonly sessionId?: string;
}

export interface AccessTokenVerifier {
  /** The grant behind a bearer token, or undefined when unknown, expired or revoked. */
  verify(token: string): Promise<GrantContext | undefined>;
}
