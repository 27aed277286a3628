export type { IdentityProvider, LoginOutcome, LoginStart, PendingLogin } from './identity-provider.js';
export { createDigidSimulator } from './digid-simulator.js';
export { createOidcIdentityProvider, type OidcIdentityProviderConfig } from './oidc-identity-provider.js';
