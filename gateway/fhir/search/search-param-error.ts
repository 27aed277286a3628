/**
 * A search the engine cannot run as asked: a malformed value, an unknown prefix or modifier, a
 * parameter that has no definition. The HTTP layer renders it as a 400 OperationOutcome
 * (FHIR R4 §3.1.1.4: a server SHALL reject parameters it does not understand when the client
 * asks for strict handling; MedMij PGOs rely on exact results, so we are always strict).
 * Messages name the parameter, never echo the value (house rule 6: values may carry a BSN).
 */
export class SearchParamError extends Error {
  /** Its entry in the error catalog (gateway/errors.ts): 400 invalid, audit reason bad_search_param. */
  readonly code = 'GW_ERR_SEARCH_PARAM_INVALID';
  readonly param: string;

  constructor(param: string, message: string) {
    super(message);
    this.name = 'SearchParamError';
    this.param = param;
  }
}
