import { Buffer } from 'node:buffer';
import { timingSafeEqual } from 'node:crypto';
import type { AccessTokenVerifier, GrantContext } from '../oauth/index.js';
import { FhirError } from './outcome.js';

/**
 * The TLS peer as gateway/tls describes it; only the fingerprint matters here. Structural, so the
 * tls folder's PeerIdentity fits without an import.
 */
export interface PeerFingerprint {
  /** SHA-256 of the certificate's DER: hex (with or without colons) or base64url. */
  readonly fingerprintSha256: string;
}

/** Everything authentication needs from the HTTP request, already pulled out by the router. */
export interface BearerInput {
  /**
   * The Authorization header; every value when the request repeats it (Node keeps only the first
   * in `req.headers`, while a proxy in front may act on the last).
   */
  readonly authorization: string | readonly string[] | undefined;
  /** True when the query string carries `access_token` (RFC 6750 §2.3). */
  readonly tokenInQuery: boolean;
  /** True when the request carries a body (where RFC 6750 §2.2 would put a token). */
  readonly hasBody: boolean;
  readonly peer: PeerFingerprint | undefined;
}

export interface AuthenticateOptions {
  readonly verifier: AccessTokenVerifier;
  /** RFC 8705 §3: a certificate-bound token is only good over a connection with that certificate. */
  readonly requireCertificateBinding: boolean;
  readonly now?: () => Date;
}

/** RFC 6750 §2.1 `b64token`; the length cap keeps absurd headers out of the verifier. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const MAX_AUTHORIZATION = 4096;

function challenge(error?: string, description?: string): Record<string, string> {
  // RFC 6750 §3: no error attribute when the request simply carried no credentials (§3.1).
  if (error === undefined) return { 'WWW-Authenticate': 'Bearer realm="fhir"' };
  return { 'WWW-Authenticate': `Bearer realm="fhir", error="${error}", error_description="${description ?? error}"` };
}

function invalidToken(description: string, reason: string): FhirError {
  return new FhirError(401, 'security', `access token refused: ${description}`, {
    headers: challenge('invalid_token', description),
    reason,
  });
}

function invalidRequest(description: string, reason: string): FhirError {
  // RFC 6750 §3.1: invalid_request is answered with 400.
  return new FhirError(400, 'security', description, { headers: challenge('invalid_request', description), reason });
}

/** Hex (Node's `fingerprint256` style) or base64url (RFC 8705 `x5t#S256`) → the 32 raw bytes. */
export function thumbprintBytes(value: string): Buffer | undefined {
  const hex = value.replace(/:/g, '');
  const bytes = /^[0-9a-f]{64}$/i.test(hex) ? Buffer.from(hex, 'hex') : /^[A-Za-z0-9_-]{43}=?$/.test(value) ? Buffer.from(value, 'base64url') : undefined;
  return bytes?.length === 32 ? bytes : undefined;
}

/**
 * thumbprintBytes remembered per thumbprint: every FHIR request compares the same few (one per
 * PGO server certificate and the tokens bound to it), and the two pattern tests and the decoding
 * were a cost of each (issue 14). Bounded: past the cap a thumbprint is decoded each time and not
 * kept. The buffers are only read (timingSafeEqual), never handed out.
 */
const MAX_KNOWN_THUMBPRINTS = 256;
const knownThumbprints = new Map<string, Buffer | undefined>();

function thumbprintBytesOnce(value: string): Buffer | undefined {
  if (knownThumbprints.has(value)) return knownThumbprints.get(value);
  const bytes = thumbprintBytes(value);
  if (knownThumbprints.size < MAX_KNOWN_THUMBPRINTS) knownThumbprints.set(value, bytes);
  return bytes;
}

function sameCertificate(boundTo: string, peer: PeerFingerprint | undefined): boolean {
  const expected = thumbprintBytesOnce(boundTo);
  const actual = peer ? thumbprintBytesOnce(peer.fingerprintSha256) : undefined;
  return expected !== undefined && actual !== undefined && timingSafeEqual(expected, actual);
}

/**
 * Bearer token → GrantContext, or a FhirError that core/answer-error.ts answers as 401/400 with the
 * RFC 6750 challenge. MedMij allows only the Authorization header method (digest §3,
 * core.rscint.200), so a token in the query or body is refused, not read.
 */
export async function authenticateBearer(input: BearerInput, options: AuthenticateOptions): Promise<GrantContext> {
  if (input.tokenInQuery) return Promise.reject(invalidRequest('send the access token in the Authorization header only', 'token_in_query'));
  if (input.hasBody) return Promise.reject(invalidRequest('requests to the FHIR API carry no body', 'unexpected_body'));
  // RFC 9110 §5.3: Authorization is not a list; two of them are ambiguous, so neither is used.
  if (typeof input.authorization === 'object') {
    if (input.authorization.length > 1) return Promise.reject(invalidRequest('send exactly one Authorization header', 'bad_authorization'));
    return authenticateBearer({ ...input, authorization: input.authorization[0] }, options);
  }
  if (input.authorization === undefined || input.authorization.trim() === '') {
    return Promise.reject(new FhirError(401, 'security', 'an access token is required', { headers: challenge(), reason: 'token_missing' }));
  }
  if (input.authorization.length > MAX_AUTHORIZATION) return Promise.reject(invalidRequest('the Authorization header is too long', 'bad_authorization'));
  const match = BEARER.exec(input.authorization);
  if (!match?.[1]) return Promise.reject(invalidRequest('the Authorization header must use the Bearer scheme', 'bad_authorization'));

  const grant = await options.verifier.verify(match[1]);
  const now = options.now?.() ?? new Date();
  if (!grant) throw invalidToken('the access token is unknown, expired or revoked', 'token_invalid');
  if (grant.expiresAt.getTime() <= now.getTime()) throw invalidToken('the access token has expired', 'token_expired');
  if (options.requireCertificateBinding && grant.certificateThumbprint !== undefined && !sameCertificate(grant.certificateThumbprint, input.peer)) {
    throw invalidToken('the access token is bound to another client certificate', 'token_certificate_mismatch');
  }
  return grant;
}
