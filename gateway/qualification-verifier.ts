import type { GatewayConfig } from './config/index.js';
import { createStaticTokenVerifier } from './fhir/index.js';
import type { AccessTokenVerifier } from './oauth/index.js';

/** Qualification mode: the Nictiz scripts' static tokens are tried first, then real OAuth tokens. */
export function withQualificationTokens(config: GatewayConfig, oauthVerifier: AccessTokenVerifier): AccessTokenVerifier {
  const tokens = config.qualification.tokens;
  if (config.mode !== 'test' || tokens.length === 0) return oauthVerifier;
  const staticVerifier = createStaticTokenVerifier(tokens);
  return {
    async verify(token) {
      return (await staticVerifier.verify(token)) ?? oauthVerifier.verify(token);
    },
  };
}
