/**
 * OperationOutcome builders and the one error type the FHIR pipeline throws on purpose.
 * Every step throws a FhirError; only core/answer-error.ts turns it into an answer.
 * Issue codes are the FHIR `IssueType` value set (identical in STU3 and R4).
 */

export type IssueType =
  | 'invalid'
  | 'structure'
  | 'value'
  | 'required'
  | 'security'
  | 'login'
  | 'forbidden'
  | 'not-supported'
  | 'not-found'
  | 'processing'
  | 'exception'
  | 'timeout'
  | 'transient'
  | 'too-costly';

export type IssueSeverity = 'fatal' | 'error' | 'warning' | 'information';

export interface OperationOutcome {
  readonly resourceType: 'OperationOutcome';
  readonly issue: ReadonlyArray<{
    readonly severity: IssueSeverity;
    readonly code: IssueType;
    readonly diagnostics: string;
  }>;
}

export function operationOutcome(code: IssueType, diagnostics: string, severity: IssueSeverity = 'error'): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, diagnostics }] };
}

export interface FhirErrorOptions {
  /** Extra response headers, e.g. WWW-Authenticate on 401 (RFC 6750 §3). */
  readonly headers?: Readonly<Record<string, string>>;
  /** A stable reason code for the audit trail, e.g. `token_invalid`. */
  readonly reason?: string;
  readonly cause?: unknown;
}

/**
 * A refusal or failure with a status and an outcome. The message is shown to the client as the
 * issue's diagnostics when status < 500, so it must never contain request values (house rule 6):
 * name the parameter, not its value.
 */
export class FhirError extends Error {
  readonly status: number;
  readonly issueCode: IssueType;
  readonly headers: Readonly<Record<string, string>>;
  readonly reason: string;

  constructor(status: number, issueCode: IssueType, message: string, options: FhirErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FhirError';
    this.status = status;
    this.issueCode = issueCode;
    this.headers = options.headers ?? {};
    this.reason = options.reason ?? issueCode;
  }

  toOutcome(): OperationOutcome {
    return operationOutcome(this.issueCode, this.message);
  }
}

export const badRequest = (message: string, code: IssueType = 'invalid', reason?: string): FhirError =>
  new FhirError(400, code, message, reason === undefined ? {} : { reason });

export const notFound = (message: string): FhirError => new FhirError(404, 'not-found', message, { reason: 'not_found' });
