/**
 * The catalogue of stable error codes. Every error the gateway raises on purpose carries one of
 * these, so logs, metrics and tests can match on a code instead of a message.
 * Rendering happens elsewhere: OAuth errors in oauth/, FHIR errors in fhir/error-handler.ts.
 */
export const ErrorCodes = {
  CONFIG_INVALID: 'GW_ERR_CONFIG_INVALID',
  CONFIG_UNSAFE_IN_PRODUCTION: 'GW_ERR_CONFIG_UNSAFE_IN_PRODUCTION',
  LIST_INVALID: 'GW_ERR_LIST_INVALID',
  LIST_STALE: 'GW_ERR_LIST_STALE',
  LIST_OUTDATED_VOLGNUMMER: 'GW_ERR_LIST_OUTDATED_VOLGNUMMER',
  LIST_FETCH_FAILED: 'GW_ERR_LIST_FETCH_FAILED',
  PEER_NO_CERTIFICATE: 'GW_ERR_PEER_NO_CERTIFICATE',
  PEER_UNTRUSTED: 'GW_ERR_PEER_UNTRUSTED',
  PEER_EXPIRED: 'GW_ERR_PEER_EXPIRED',
  PEER_NOT_WHITELISTED: 'GW_ERR_PEER_NOT_WHITELISTED',
  NO_WHITELIST: 'GW_ERR_NO_WHITELIST',
  STORAGE_UNAVAILABLE: 'GW_ERR_STORAGE_UNAVAILABLE',
  TLS_MATERIAL_INVALID: 'GW_ERR_TLS_MATERIAL_INVALID',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class GatewayError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GatewayError';
    this.code = code;
  }
}
