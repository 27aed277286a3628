import type { Bsn } from '../bsn.js';

/** Per-login secrets an identity provider needs between redirect and callback (kept server-side). */
export type PendingLogin = Readonly<Record<string, string>>;

export type LoginStart =
  /** Show our own BSN form (the DigiD simulator). */
  | { readonly kind: 'form' }
  /** Send the browser to the upstream identity provider. */
  | { readonly kind: 'redirect'; readonly url: string; readonly pending: PendingLogin };

export type LoginOutcome =
  | { readonly ok: true; readonly bsn: Bsn }
  | { readonly ok: false; readonly reason: 'cancelled' | 'failed' | 'assurance_too_low' };

/**
 * The login step's port (STYLE 6.2 "Authenticator"): something that establishes the Person's BSN.
 * The BSN goes no further than the availability check that follows.
 */
export interface IdentityProvider {
  readonly kind: 'digid-simulator' | 'oidc';
  begin(): Promise<LoginStart>;
  /** Completes a redirect login from the callback URL (query included). */
  complete(callbackUrl: URL, pending: PendingLogin): Promise<LoginOutcome>;
}
