/**
 * The only errors an adapter throws (STYLE.md §6.2). The FHIR error handler maps them to HTTP
 * by name: Unavailable → 503, Timeout → 504, Rejected and MappingFailed → 502. Messages describe
 * the failure, never patient data (house rule 6).
 */
export abstract class AdapterError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The source system cannot be reached (connection refused, DNS, TLS, file missing). */
export class UpstreamUnavailable extends AdapterError {
  readonly code = 'ADAPTER_UPSTREAM_UNAVAILABLE';
}

/** The source system did not answer before the request deadline. */
export class UpstreamTimeout extends AdapterError {
  readonly code = 'ADAPTER_UPSTREAM_TIMEOUT';
}

/** The source system answered, but refused or answered something unusable (status, size, shape). */
export class UpstreamRejected extends AdapterError {
  readonly code = 'ADAPTER_UPSTREAM_REJECTED';
}

/** Source data could not be turned into FHIR (a mapping or data file is wrong). */
export class MappingFailed extends AdapterError {
  readonly code = 'ADAPTER_MAPPING_FAILED';
}
