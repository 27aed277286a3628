import { buildAuthorizationUrl, createPkcePair, createState } from './authorization-url.js';
import type { GatewayEndpoints } from './discover-endpoints.js';
import { maskBsn } from './format-summary.js';
import { PgoFlowError } from './pgo-flow-error.js';
import type { PgoOptions } from './pgo-options.js';
import type { PgoSession } from './pgo-session.js';
import type { PgoIo } from './pgo-io.js';
import { authorizeWithSimulator } from './simulator-login.js';
import { exchangeCode, type TokenResponse } from './token-exchange.js';
import { waitForRedirect } from './wait-for-redirect.js';

export interface AuthorizationRun {
  readonly token: TokenResponse;
  /** X-Correlation-ID of the run: sent again on the token and every resource request. */
  readonly sessionId: string;
}

/**
 * The OAuth part of a PGO run, shared by Verzamelen (`pgo`) and Delen (`pgo share`): the
 * authorization request with `scope`, the Person's part (the DigiD simulator driven with --bsn, or
 * a browser whose final redirect is pasted or caught), the state check, and the code exchange over
 * two-sided TLS. `what` says what the Person does in the browser (consent or confirm).
 */
export async function runAuthorization(
  session: PgoSession,
  o: { readonly endpoints: GatewayEndpoints; readonly options: PgoOptions; readonly scope: string; readonly clientCert: string; readonly clientKey: string; readonly io: PgoIo; readonly what: string },
): Promise<AuthorizationRun> {
  const { options } = o;
  const say = (line: string) => o.io.err(`${line}\n`);
  const sessionId = crypto.randomUUID();
  const state = createState();
  const pkce = o.endpoints.pkce ? createPkcePair() : undefined;
  const authorizationUrl = buildAuthorizationUrl({
    endpoint: o.endpoints.authorizationEndpoint,
    clientId: options.clientId,
    redirectUri: options.redirectUri,
    scope: o.scope,
    state,
    requestId: crypto.randomUUID(),
    sessionId,
    ...(pkce ? { codeChallenge: pkce.challenge } : {}),
  });

  let back: URL;
  if (options.bsn !== undefined) {
    say(`logging in with the DigiD simulator as BSN ${maskBsn(options.bsn)} and ${o.what}${options.longTerm ? ' (long-term)' : ''}`);
    back = await authorizeWithSimulator(session, authorizationUrl, { bsn: options.bsn, longTerm: options.longTerm });
  } else {
    say(`Open this URL in a browser, log in and ${o.what}:\n\n  ${authorizationUrl}\n`);
    say(
      options.callbackPort !== undefined
        ? `Then either let the browser reach the callback server (when ${new URL(options.redirectUri).hostname} resolves to this machine), or paste the URL the browser ends on (${options.redirectUri}?code=...) here and press Enter:`
        : `Then paste the URL the browser ends on (${options.redirectUri}?code=...) here and press Enter:`,
    );
    back = await waitForRedirect({
      redirectUri: options.redirectUri,
      input: o.io.input,
      say,
      ...(options.callbackPort !== undefined ? { callback: { port: options.callbackPort, cert: o.clientCert, key: o.clientKey } } : {}),
    });
  }

  const error = back.searchParams.get('error');
  if (error !== null) {
    const description = back.searchParams.get('error_description');
    throw new PgoFlowError(`the authorization server answered error=${error}${description !== null ? ` error_description="${description}"` : ''}`);
  }
  if (back.searchParams.get('state') !== state) throw new PgoFlowError('the state in the redirect is not the one sent: the answer does not belong to this request');
  const code = back.searchParams.get('code');
  if (!code) throw new PgoFlowError('the redirect carries neither a code nor an error');

  const token = await exchangeCode(session, {
    code,
    redirectUri: options.redirectUri,
    clientId: options.clientId,
    sessionId,
    tokenEndpoint: o.endpoints.tokenEndpoint,
    ...(pkce ? { codeVerifier: pkce.verifier } : {}),
  });
  say(`token: ${token.token_type}, expires in ${token.expires_in} s, scope "${token.scope}"${token.refresh_token !== undefined ? ', with a refresh token' : ''}`);
  return { token, sessionId };
}
