import type { FhirVersion, SearchCriterion, SearchParam, SearchQuery } from '../../adapters/types.js';
import { parseSearchRequest } from '../../gateway/fhir/search/index.js';

/**
 * The SearchQuery an adapter gets from the gateway for these filters, parsed by the one parser. A
 * filter the engine would refuse stays in `params` and becomes an `other` criterion, so adapter
 * tests can still check that an adapter ignores what it must not act on (e.g. `patient`).
 */
export function searchQueryOf(fhirVersion: FhirVersion, resourceType: string, params: readonly SearchParam[]): SearchQuery {
  const request = parseSearchRequest({ fhirVersion, resourceType, params });
  const criteria = request.criteria.map((c): SearchCriterion => {
    return c.kind === 'invalid' ? { kind: 'other', name: c.name, raw: c.raw } : c;
  });
  return { resourceType, criteria, params: request.filters };
}
