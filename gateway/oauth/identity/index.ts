export type { IdentityProvider, LoginOutcome, LoginStart, PendingLogin } from './identity-provider.js';
export { createDigidSimulator } from './digid-simulator.js';
export { createOidcIdentityProvider, type OidcIdentityProviderConfig } from './oidc-identity-provider.js';
export { ASSURANCE_LEVELS, DEFAULT_ACR_VALUES, acceptableAcrValues, type AssuranceLevel } from './assurance-level.js';
