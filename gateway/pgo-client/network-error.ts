import { PgoFlowError } from './pgo-flow-error.js';

/** Which listener a call went to: only the node interface asks for a client certificate. */
export type Listener = 'patient' | 'node';

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
const UNTRUSTED_SERVER = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
/** The peer closed or alerted during or right after the handshake: how a refused client certificate looks. */
const REFUSED_HANDSHAKE = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN']);

interface ErrorLike {
  readonly message: string;
  readonly code?: unknown;
  readonly cause?: unknown;
  readonly errors?: unknown;
}

/** Duck-typed: socket errors come from Node's own realm, where `instanceof Error` may not hold (jest vm). */
function isErrorLike(e: unknown): e is ErrorLike {
  return typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string';
}

/** The first error `code` along the cause chain (undici wraps socket errors). */
function codeOf(error: unknown, depth = 0): string | undefined {
  if (!isErrorLike(error) || depth > 5) return undefined;
  // `localhost` tries ::1 and 127.0.0.1 (happy eyeballs): one AggregateError holds both failures.
  if (Array.isArray(error.errors) && error.errors.length > 0) return codeOf(error.errors[0], depth + 1);
  const inner = codeOf(error.cause, depth + 1);
  const own = typeof error.code === 'string' ? error.code : undefined;
  // undici's generic socket error hides the real cause (ECONNRESET, an SSL alert) one level down.
  if (own === undefined || own === 'UND_ERR_SOCKET') return inner ?? own ?? /\b(E[A-Z]{4,}|ERR_[A-Z0-9_]+)\b/.exec(error.message)?.[1];
  return own;
}

/**
 * Turns a connection failure into the one-line explanation a vendor needs. A MedMij node closes a
 * connection whose certificate host name is not on the Whitelist before any HTTP is read
 * (digest §5.3), so on the node interface a reset during the exchange means exactly that.
 */
export function describeNetworkError(error: unknown, listener: Listener, url: string): PgoFlowError {
  if (error instanceof PgoFlowError) return error;
  const code = codeOf(error);
  const origin = safeOrigin(url);
  if (code !== undefined && UNREACHABLE.has(code)) {
    return new PgoFlowError(`cannot reach the gateway's ${listener} interface at ${origin} (${code}): is the gateway running, and are --patient-url/--node-url right?`, { cause: error });
  }
  if (code !== undefined && UNTRUSTED_SERVER.has(code)) {
    return new PgoFlowError(`the gateway's server certificate at ${origin} is not trusted (${code}): pass the CA that signed it with --ca`, { cause: error });
  }
  if (listener === 'node' && (code === undefined || REFUSED_HANDSHAKE.has(code) || code.startsWith('ERR_SSL_'))) {
    return new PgoFlowError("the node interface refused the TLS connection: is your certificate's host name on the Whitelist?", { cause: error });
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || (isErrorLike(error) && (error as { name?: unknown }).name === 'TimeoutError')) {
    return new PgoFlowError(`the gateway's ${listener} interface at ${origin} did not answer in time`, { cause: error });
  }
  const reason = isErrorLike(error) ? error.message : String(error);
  return new PgoFlowError(`the call to the gateway's ${listener} interface at ${origin} failed: ${code ?? reason}`, { cause: error });
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the configured URL';
  }
}
