import type { ServiceBase } from './exchange.js';
import type { FhirRequest } from './request.js';

/**
 * @module The metric/log route of a FHIR request, per provider, data service and interaction: the
 * service's FHIR base path as configured (default `/{provider}/{service}/fhir`), then `/{Type}` for
 * a search, `/{Type}/:id` for a read, `/metadata` for the CapabilityStatement. Built only from
 * values the pipeline has already validated (a configured base, a parsed request), so the label
 * set stays bounded whatever a client sends; a base that did not resolve is `/fhir`.
 */
export function fhirRouteLabel(service: ServiceBase | undefined, rest: readonly string[] | undefined, request: FhirRequest | undefined): string {
  if (service === undefined) return '/fhir';
  const base = basePathOf(service);
  if (request === undefined) return rest?.[0] === 'metadata' && rest.length === 1 ? `${base}/metadata` : base;
  return request.interaction === 'read' ? `${base}/${request.resourceType}/:id` : `${base}/${request.resourceType}`;
}

const basePaths = new WeakMap<ServiceBase, string>();

/** The path of the base's URL, worked out once per service. */
function basePathOf(service: ServiceBase): string {
  let path = basePaths.get(service);
  if (path === undefined) {
    path = new URL(service.url).pathname.replace(/\/+$/, '');
    basePaths.set(service, path);
  }
  return path;
}
