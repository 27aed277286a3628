/**
 * @module The one rule for the MedMij trace headers, `MedMij-Request-ID` (a new UUID per request)
 * and `X-Correlation-ID` (the session's id, the same through a whole flow), digest §2.6 and §3
 * (core.tknint.208, core.rscint.201). Every place that reads them (request context, authorization
 * request, token endpoint, FHIR, error pages) uses this, so a value is either good everywhere or
 * refused everywhere (issue 9, finding 10: "abc" passed here while a long value failed there).
 *
 * MedMij sends UUIDs; other short opaque ids of harmless characters are accepted too (some PGOs
 * and the qualification scripts send them), because the values only travel into logs, audit
 * records and pages: the bound and the character set are what keep those safe. How a refusal
 * looks is each protocol's own: 400 OperationOutcome on FHIR, invalid_request to the PGO on the
 * authorization endpoint; the logging context just leaves the value out.
 */
export const TRACE_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;

export function parseTraceId(value: unknown): string | undefined {
  return typeof value === 'string' && TRACE_ID_PATTERN.test(value) ? value : undefined;
}
