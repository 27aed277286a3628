import type { IdentityProvider } from './identity-provider.js';

/**
 * Development stand-in for DigiD: our own form takes any BSN that passes the eleven test. The
 * config refuses it in production (config/sections/oauth.ts, checkOAuthSafety).
 */
export function createDigidSimulator(): IdentityProvider {
  return {
    kind: 'digid-simulator',
    begin: async () => ({ kind: 'form' }),
    complete: async () => ({ ok: false, reason: 'failed' }),
  };
}
