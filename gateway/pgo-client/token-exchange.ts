import type { PgoSession } from './pgo-session.js';
import { PgoFlowError } from './pgo-flow-error.js';

/** The MedMij token response (digest §2.6); the access token is opaque to the PGO. */
export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: string;
  readonly expires_in: number;
  readonly scope: string;
  readonly refresh_token?: string;
}

export interface CodeExchange {
  readonly code: string;
  /** Identical to the authorization request's (core.tknint.205). */
  readonly redirectUri: string;
  readonly clientId: string;
  /** X-Correlation-ID of the authorization request (core.tknint.208). */
  readonly sessionId: string;
  readonly codeVerifier?: string;
  /** From the AS metadata; the session's default otherwise. */
  readonly tokenEndpoint?: string;
}

/** Parses a 200 token answer; anything else is a PgoFlowError naming the OAuth error (RFC 6749 §5.2). */
export function parseTokenResponse(status: number, json: Record<string, unknown>): TokenResponse {
  if (status !== 200) {
    const error = typeof json.error === 'string' ? json.error : `HTTP ${status}`;
    const description = typeof json.error_description === 'string' ? `: ${json.error_description}` : '';
    throw new PgoFlowError(`the token endpoint refused the code: ${error}${description}`);
  }
  const { access_token, token_type, expires_in, scope, refresh_token } = json;
  if (typeof access_token !== 'string' || access_token === '') throw new PgoFlowError('the token response has no access_token');
  if (typeof token_type !== 'string' || token_type.toLowerCase() !== 'bearer') throw new PgoFlowError('the token response is not a Bearer token (RFC 6750)');
  if (typeof expires_in !== 'number' || !Number.isFinite(expires_in)) throw new PgoFlowError('the token response has no expires_in');
  if (typeof scope !== 'string') throw new PgoFlowError('the token response has no scope');
  if (refresh_token !== undefined && typeof refresh_token !== 'string') throw new PgoFlowError('the token response has a malformed refresh_token');
  return { access_token, token_type, expires_in, scope, ...(refresh_token !== undefined ? { refresh_token } : {}) };
}

/** Authorization code → token over two-sided TLS (the session's node connection). */
export async function exchangeCode(session: PgoSession, x: CodeExchange): Promise<TokenResponse> {
  const answer = await session.token(
    {
      grant_type: 'authorization_code',
      code: x.code,
      redirect_uri: x.redirectUri,
      client_id: x.clientId,
      ...(x.codeVerifier ? { code_verifier: x.codeVerifier } : {}),
    },
    { 'x-correlation-id': x.sessionId },
    x.tokenEndpoint,
  );
  return parseTokenResponse(answer.status, answer.json);
}
