/**
 * @module The one catalog of stable error codes (fastify's createError idea): every refusal or
 * failure the gateway raises on purpose carries a code, and the code alone says how each
 * protocol renders it: HTTP status, FHIR issue type (OperationOutcome, the IssueType value set
 * of STU3/R4), OAuth error (RFC 6749 §5.2 / RFC 6750 §3.1, where the failure can reach an OAuth
 * client) and the audit reason. Handlers match by code, never by class name or message.
 * Rendering happens elsewhere: OAuth errors in oauth/, FHIR errors in fhir/core/answer-error.ts.
 */
export interface ErrorSpec {
  readonly status: number;
  /** FHIR IssueType for the OperationOutcome. */
  readonly issue: 'invalid' | 'not-supported' | 'exception' | 'timeout' | 'transient';
  /** OAuth error code, where this failure can happen during an OAuth request. */
  readonly oauthError?: 'invalid_request' | 'server_error' | 'temporarily_unavailable';
  /** Stable reason for the audit trail and metrics. */
  readonly auditReason: string;
  /** What a client may be told (status ≥ 500: nothing more specific is ever shown). */
  readonly publicMessage: string;
}

export const ERROR_CATALOG = {
  GW_ERR_CONFIG_INVALID: { status: 500, issue: 'exception', oauthError: 'server_error', auditReason: 'config_invalid', publicMessage: 'internal error' },
  GW_ERR_TLS_MATERIAL_INVALID: { status: 500, issue: 'exception', oauthError: 'server_error', auditReason: 'tls_material_invalid', publicMessage: 'internal error' },
  GW_ERR_LIST_INVALID: { status: 503, issue: 'transient', oauthError: 'temporarily_unavailable', auditReason: 'list_invalid', publicMessage: 'a MedMij list is not available' },
  GW_ERR_LIST_OUTDATED_VOLGNUMMER: { status: 503, issue: 'transient', oauthError: 'temporarily_unavailable', auditReason: 'list_outdated_volgnummer', publicMessage: 'a MedMij list is not available' },
  GW_ERR_LIST_FETCH_FAILED: { status: 503, issue: 'transient', oauthError: 'temporarily_unavailable', auditReason: 'list_fetch_failed', publicMessage: 'a MedMij list is not available' },
  GW_ERR_STORAGE_UNAVAILABLE: { status: 503, issue: 'transient', oauthError: 'temporarily_unavailable', auditReason: 'storage_unavailable', publicMessage: 'the service is temporarily unavailable' },
  GW_ERR_ADAPTER_UNAVAILABLE: { status: 503, issue: 'transient', auditReason: 'adapter_unavailable', publicMessage: 'the source system is not available' },
  GW_ERR_ADAPTER_TIMEOUT: { status: 504, issue: 'timeout', auditReason: 'adapter_timeout', publicMessage: 'the source system did not answer in time' },
  GW_ERR_ADAPTER_BAD_DATA: { status: 502, issue: 'exception', auditReason: 'adapter_bad_data', publicMessage: 'the source system returned data that cannot be served' },
  GW_ERR_SEARCH_PARAM_INVALID: { status: 400, issue: 'invalid', oauthError: 'invalid_request', auditReason: 'bad_search_param', publicMessage: 'a search parameter is not valid' },
} as const satisfies Record<`GW_ERR_${string}`, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** The codes by name, for call sites: `ErrorCodes.LIST_INVALID`. */
export const ErrorCodes = Object.freeze(
  Object.fromEntries(Object.keys(ERROR_CATALOG).map((code) => [code.replace(/^GW_ERR_/, ''), code])),
) as { readonly [K in ErrorCode as K extends `GW_ERR_${infer N}` ? N : never]: K };

export function errorSpec(code: ErrorCode): ErrorSpec {
  return ERROR_CATALOG[code];
}

/** The catalog entry of any thrown value that carries a catalog code (`err.code`), else undefined. */
export function catalogEntryOf(err: unknown): (ErrorSpec & { readonly code: ErrorCode }) | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !Object.hasOwn(ERROR_CATALOG, code)) return undefined;
  return { code: code as ErrorCode, ...ERROR_CATALOG[code as ErrorCode] };
}

/**
 * The adapters' own codes (adapters/errors.ts; adapters import nothing from the gateway) and the
 * FHIR XML reader's, mapped onto the catalog.
 */
export const ADAPTER_ERROR_CODES: Readonly<Record<string, ErrorCode>> = {
  ADAPTER_UPSTREAM_UNAVAILABLE: 'GW_ERR_ADAPTER_UNAVAILABLE',
  ADAPTER_UPSTREAM_TIMEOUT: 'GW_ERR_ADAPTER_TIMEOUT',
  ADAPTER_UPSTREAM_REJECTED: 'GW_ERR_ADAPTER_BAD_DATA',
  ADAPTER_MAPPING_FAILED: 'GW_ERR_ADAPTER_BAD_DATA',
  FHIR_XML_INVALID: 'GW_ERR_ADAPTER_BAD_DATA',
};

export class GatewayError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GatewayError';
    this.code = code;
  }
}
