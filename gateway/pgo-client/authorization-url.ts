import { createHash, randomBytes } from 'node:crypto';

export interface AuthorizationRequest {
  /** The authorization endpoint (ZAL AuthorizationEndpointuri, or the AS metadata). */
  readonly endpoint: string;
  /** The PGO node's host name as on the OAuth client list (digest §2.2). */
  readonly clientId: string;
  /** https, on the client's host, no query or fragment. */
  readonly redirectUri: string;
  /** MedMij 2.x Verzamelen: the care provider's name, nothing else. */
  readonly scope: string;
  readonly state: string;
  /** MedMij-Request-ID: unique per request in the network. */
  readonly requestId: string;
  /** X-Correlation-ID: the session id, reused on the token and resource calls. */
  readonly sessionId: string;
  readonly codeChallenge?: string;
}

/** The MedMij authorization request (digest §2.2): a GET with every parameter in the query. */
export function buildAuthorizationUrl(r: AuthorizationRequest): string {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: r.clientId,
    redirect_uri: r.redirectUri,
    scope: r.scope,
    state: r.state,
    'MedMij-Request-ID': r.requestId,
    'X-Correlation-ID': r.sessionId,
  });
  if (r.codeChallenge) {
    q.set('code_challenge', r.codeChallenge);
    q.set('code_challenge_method', 'S256');
  }
  return `${r.endpoint}?${q.toString()}`;
}

/** RFC 7636 S256: a 256-bit verifier and its challenge. */
export function createPkcePair(): { readonly verifier: string; readonly challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** An unguessable state (RFC 6749 §10.12). */
export function createState(): string {
  return randomBytes(24).toString('base64url');
}
