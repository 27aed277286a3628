import type { FhirVersion } from '../../adapters/types.js';
import { matchQuery, type QueryCatalogue, type QueryTemplate } from './catalogue/index.js';
import { BSN_SYSTEMS } from './mask-bsn.js';
import { badRequest } from './outcome.js';
import type { FhirSearchRequest, ReadRequest } from './request.js';
import { findParamDefinition } from './search/index.js';

/**
 * What a token may ask of a base (deny by default, house rule 5). The grant's provider and
 * services were checked before (router step `authorizeBase`); here the query itself: no patient
 * selection and no BSN in the request (the patient comes from the token: digest §3,
 * core.rscint.203), and the search must be one of the standard's catalogue (QUERIES.md).
 */
const BSN_IN_VALUE = new RegExp([...BSN_SYSTEMS].map((s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|'), 'i');

function refuseBsn(params: FhirSearchRequest['all']): void {
  const hit = params.find((p) => BSN_IN_VALUE.test(p.value));
  if (hit) throw badRequest(`parameter ${hit.name} may not carry a BSN: the patient is taken from the access token`, 'invalid', 'bsn_in_request');
}

/** The catalogue search that allows this request; a 400 naming the offending parameter otherwise. */
export function authorizeSearch(request: FhirSearchRequest, catalogue: QueryCatalogue): QueryTemplate {
  refuseBsn(request.all);
  const match = matchQuery(catalogue, request);
  if (!match.ok) throw badRequest(match.reason, 'not-supported', 'query_not_in_catalogue');
  return match.template;
}

/**
 * The resource types a base serves by id: the catalogue's searched types and whatever its
 * `_include`s reach (so a PGO can resolve a reference it was given), plus Binary where documents
 * are served (PDF/A: `Binary/<id>`, digest §7).
 */
export function readableTypes(catalogue: QueryCatalogue, version: FhirVersion): ReadonlySet<string> {
  const types = new Set<string>();
  for (const t of catalogue.searches) {
    types.add(t.resourceType);
    for (const inc of [...t.include, ...t.iterate]) {
      const [source = '', param = '', target] = inc.split(':');
      types.add(source);
      if (target) types.add(target);
      else for (const x of findParamDefinition(version, source, param)?.targets ?? []) types.add(x);
    }
  }
  if (types.has('DocumentReference') || types.has('DocumentManifest')) types.add('Binary');
  return types;
}

export function authorizeRead(request: ReadRequest, readable: ReadonlySet<string>): void {
  refuseBsn(request.all);
  if (!readable.has(request.resourceType)) {
    throw badRequest(`${request.resourceType} is not served by this data service`, 'not-supported', 'type_not_served');
  }
}
