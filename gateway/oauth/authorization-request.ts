import type { OAuthClientList } from '../lists/index.js';
import { parseScope, type ParsedScope, type ServedProvider } from './scope.js';
import { parseTraceId } from '../observability/index.js';

/** An authorization request that passed every MedMij check (digest §2.2, §2.3). */
export interface AuthorizationRequest {
  readonly clientId: string;
  /** OAuthclientOrganisatienaam from the OCL: the PGO name shown on the consent page. */
  readonly organisationName: string;
  readonly redirectUri: string;
  readonly state: string;
  readonly scope: ParsedScope;
  /** MedMij-Request-ID. */
  readonly traceId: string;
  /** X-Correlation-ID. */
  readonly sessionId: string;
  /** RFC 7636: accepted and then enforced when the client sends it; MedMij does not require it. */
  readonly codeChallenge?: string;
}

/** Where an invalid request goes: our own page (client or redirect URI untrusted) or back to the PGO. */
export type AuthorizationRequestResult =
  | { readonly kind: 'ok'; readonly request: AuthorizationRequest }
  | {
      readonly kind: 'error-page';
      readonly reason: 'no_client_list' | 'unknown_client' | 'invalid_client_id' | 'invalid_redirect_uri';
      readonly description: string;
      readonly clientId?: string;
      readonly traceId?: string;
      readonly sessionId?: string;
    }
  | {
      readonly kind: 'redirect-error';
      readonly redirectUri: string;
      readonly error: 'invalid_request' | 'unsupported_response_type' | 'invalid_scope';
      readonly description: string;
      readonly state?: string;
      readonly clientId: string;
      readonly traceId?: string;
      readonly sessionId?: string;
    };

/** RFC 6749 Appendix A.5 VSCHAR, bounded. */
const STATE = /^[\x20-\x7E]{1,512}$/;
/** RFC 7636 §4.2 code_challenge: 43–128 unreserved characters. */
const CODE_CHALLENGE = /^[A-Za-z0-9._~-]{43,128}$/;
/** Host names as they appear on the OCL (no port, no user info). */
const HOSTNAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/**
 * Parses the query of GET /oauth/authorize (house rule 2). The OCL is read at request time: a
 * PGO removed from it can no longer start a flow, and with no list in force nobody can (fail
 * closed). Per RFC 6749 §4.1.2.1 and MedMij (digest §2.3) a bad client_id or redirect_uri is
 * never redirected to; every other problem goes back to the PGO as an OAuth error. IDs may come
 * as query parameters (2.2.x) or headers (earlier 2.x); unknown parameters are ignored (S1) by
 * never passing them on.
 */
export function parseAuthorizationRequest(
  query: URLSearchParams,
  header: (name: string) => string | undefined,
  ocl: OAuthClientList | undefined,
  providers: readonly ServedProvider[],
): AuthorizationRequestResult {
  const single = (name: string): string | undefined | null => {
    const all = query.getAll(name);
    if (all.length > 1) return null; // RFC 6749 §3.1: parameters must not be repeated
    return all[0];
  };
  const idOf = (name: string): string | undefined | null => {
    const value = single(name) ?? header(name);
    if (value === null || value === undefined) return value;
    return parseTraceId(value) ?? null;
  };
  const traceId = idOf('MedMij-Request-ID');
  const sessionId = idOf('X-Correlation-ID');
  const ids = { ...(typeof traceId === 'string' ? { traceId } : {}), ...(typeof sessionId === 'string' ? { sessionId } : {}) };

  const clientId = single('client_id');
  if (typeof clientId !== 'string' || !HOSTNAME.test(clientId)) {
    return { kind: 'error-page', reason: 'invalid_client_id', description: 'client_id is missing or malformed', ...ids };
  }
  if (ocl === undefined) {
    return { kind: 'error-page', reason: 'no_client_list', description: 'no OAuth client list is in force', clientId, ...ids };
  }
  const client = ocl.byHostname(clientId);
  if (!client) return { kind: 'error-page', reason: 'unknown_client', description: 'client_id is not on the OAuth client list', clientId, ...ids };

  const redirectUri = single('redirect_uri');
  if (typeof redirectUri !== 'string' || !isAllowedRedirectUri(clientId, redirectUri)) {
    return { kind: 'error-page', reason: 'invalid_redirect_uri', description: 'redirect_uri is not an https address on the client host without query or fragment', clientId, ...ids };
  }

  const state = single('state');
  const back = (error: 'invalid_request' | 'unsupported_response_type' | 'invalid_scope', description: string): AuthorizationRequestResult => ({
    kind: 'redirect-error',
    redirectUri,
    error,
    description,
    clientId,
    ...(typeof state === 'string' && STATE.test(state) ? { state } : {}),
    ...ids,
  });

  const responseType = single('response_type');
  if (responseType === null || responseType === undefined) return back('invalid_request', 'response_type is missing');
  if (responseType !== 'code') return back('unsupported_response_type', 'response_type must be code');
  if (typeof state !== 'string') return back('invalid_request', 'state is missing or repeated');
  if (!STATE.test(state)) return back('invalid_request', 'state is malformed');
  if (traceId === null) return back('invalid_request', 'MedMij-Request-ID is malformed or repeated');
  if (traceId === undefined) return back('invalid_request', 'MedMij-Request-ID is missing');
  if (sessionId === null) return back('invalid_request', 'X-Correlation-ID is malformed or repeated');
  if (sessionId === undefined) return back('invalid_request', 'X-Correlation-ID is missing');

  const scopeParam = single('scope');
  if (scopeParam === null) return back('invalid_request', 'scope is repeated');
  const scope = parseScope(scopeParam, providers);
  if (!scope.ok) return back('invalid_scope', scope.description);

  const codeChallenge = single('code_challenge');
  const method = single('code_challenge_method');
  if (codeChallenge === null || method === null) return back('invalid_request', 'PKCE parameters are repeated');
  if (codeChallenge !== undefined) {
    if (!CODE_CHALLENGE.test(codeChallenge)) return back('invalid_request', 'code_challenge is malformed');
    // Only S256: `plain` offers nothing over TLS-protected redirects (RFC 7636 §4.2, §7.2).
    if (method !== 'S256') return back('invalid_request', 'code_challenge_method must be S256');
  } else if (method !== undefined) {
    return back('invalid_request', 'code_challenge_method without code_challenge');
  }

  return {
    kind: 'ok',
    request: {
      clientId,
      organisationName: client.organisationName,
      redirectUri,
      state,
      scope: scope.value,
      traceId,
      sessionId,
      ...(codeChallenge !== undefined ? { codeChallenge } : {}),
    },
  };
}

/**
 * MedMij (digest §2.2, observed S32): an https URL on the host named by client_id (the OCL host
 * name, which is also the PGO's frontchannel certificate name), with no user info, no port other
 * than the default, no query and no fragment.
 */
export function isAllowedRedirectUri(clientId: string, redirectUri: string): boolean {
  if (redirectUri.length > 2048 || /[\s#?]/.test(redirectUri) || /[^\x21-\x7E]/.test(redirectUri)) return false;
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    return false;
  }
  return (
    url.protocol === 'https:' &&
    url.username === '' &&
    url.password === '' &&
    url.port === '' &&
    url.hostname === clientId.toLowerCase() &&
    url.search === '' &&
    url.hash === ''
  );
}
