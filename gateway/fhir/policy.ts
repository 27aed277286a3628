import type { FhirVersion, Resource } from '../../adapters/types.js';
import { matchQuery, type QueryCatalogue, type QueryTemplate } from './catalogue/index.js';
import { screenReadAnswer, screenSearchAnswer, type CompartmentScope, type CompartmentViolation } from './compartment.js';
import { BSN_SYSTEMS } from './mask-bsn.js';
import { badRequest, FhirError } from './outcome.js';
import type { FhirRequest, FhirSearchRequest, ReadRequest } from './request.js';
import { findParamDefinition, type PageOwner, type SearchOutcome } from './search/index.js';

/**
 * What a token may ask of a base (deny by default, house rule 5): the grant's provider and
 * services (authorizeService), then the query itself: no patient selection and no BSN in the
 * request (the patient comes from the token: digest §3, core.rscint.203), and the search must be
 * one of the standard's catalogue (QUERIES.md). decideAccess below puts it together.
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

/** What the token grants, as the access decision reads it (a plain value: oauth's GrantContext fits). */
export interface AccessGrant {
  readonly clientId: string;
  readonly providerName: string;
  readonly serviceIds: readonly string[];
  /** The EHR's patient from the token: the only patient a request is ever answered for. */
  readonly patientRef: string;
}

/** The data service a request is for, with what its standard allows. */
export interface ServiceAccess {
  readonly providerName: string;
  readonly serviceId: string;
  readonly fhirVersion: FhirVersion;
  readonly catalogue: QueryCatalogue;
  /** readableTypes(catalogue, fhirVersion), computed once per service at start. */
  readonly readable: ReadonlySet<string>;
}

/** The token's provider and services cover this data service (digest §2, §3), else 403. */
export function authorizeService(grant: AccessGrant, service: Pick<ServiceAccess, 'providerName' | 'serviceId'>): void {
  if (grant.providerName !== service.providerName || !grant.serviceIds.includes(service.serviceId)) {
    throw new FhirError(403, 'forbidden', 'the access token does not cover this data service', { reason: 'service_not_granted' });
  }
}

/** A post-check's result: what may be served (BSN-masked) and the resources of another patient it dropped (each an alarm). */
export interface Screened<T> {
  readonly answer: T;
  readonly violations: readonly CompartmentViolation[];
}

interface DecisionBase {
  /**
   * How the query is rewritten: it runs for the token's patient only (the adapter context's
   * patient), in the service's FHIR version; the request names no patient (refused above).
   */
  readonly scope: CompartmentScope;
  /** Whose stored result pages are (search/result-pages.ts). */
  readonly owner: PageOwner;
}

export interface SearchDecision extends DecisionBase {
  readonly kind: 'search';
  readonly request: FhirSearchRequest;
  /** The catalogue search that allows the request. */
  readonly template: QueryTemplate;
  /** The final answer's check: matches the patient's own, includes also unlinked; BSN masked. */
  postCheck(outcome: SearchOutcome): Screened<SearchOutcome>;
}

export interface ReadDecision extends DecisionBase {
  readonly kind: 'read';
  readonly request: ReadRequest;
  postCheck(resource: Resource | undefined): Screened<Resource | undefined>;
}

/**
 * One access decision per request (google/fhir-gateway's AccessChecker idea: allow or refuse,
 * rewrite the query, post-check the answer), built from the token's grant, the catalogue
 * template the query matched and the patient from the token. Pure and framework-free: a refusal
 * is a thrown FhirError (403 not granted, 400 BSN in the request or not in the catalogue).
 */
export type AccessDecision = SearchDecision | ReadDecision;

export function decideAccess(input: { readonly grant: AccessGrant; readonly service: ServiceAccess; readonly request: FhirRequest }): AccessDecision {
  const { grant, service, request } = input;
  authorizeService(grant, service);
  const scope: CompartmentScope = { patientRef: grant.patientRef, fhirVersion: service.fhirVersion };
  const owner: PageOwner = { clientId: grant.clientId, patientRef: grant.patientRef, providerName: service.providerName, serviceId: service.serviceId };
  if (request.interaction === 'search-type') {
    const template = authorizeSearch(request, service.catalogue);
    return {
      kind: 'search',
      request,
      template,
      scope,
      owner,
      postCheck: (outcome) => {
        const { outcome: answer, violations } = screenSearchAnswer(outcome, scope);
        return { answer, violations };
      },
    };
  }
  authorizeRead(request, service.readable);
  return {
    kind: 'read',
    request,
    scope,
    owner,
    postCheck: (resource) => {
      const { resource: answer, violations } = screenReadAnswer(resource, scope);
      return { answer, violations };
    },
  };
}
