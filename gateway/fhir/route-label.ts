import type { FhirExchange } from './exchange.js';

/**
 * @module The metric/log route of a FHIR request, per provider, data service and interaction: the
 * service's FHIR base path as configured (default `/{provider}/{service}/fhir`), then `/{Type}` for
 * a search, `/{Type}/:id` for a read, `/metadata` for the CapabilityStatement. Built only from
 * values the pipeline has already validated (a configured base, a parsed request), so the label
 * set stays bounded whatever a client sends; a base that did not resolve is `/fhir`.
 */
export function fhirRouteLabel(ex: FhirExchange): string {
  if (ex.service === undefined) return '/fhir';
  const base = new URL(ex.service.url).pathname.replace(/\/+$/, '');
  const request = ex.request;
  if (request === undefined) return ex.rest?.[0] === 'metadata' && ex.rest.length === 1 ? `${base}/metadata` : base;
  return request.interaction === 'read' ? `${base}/${request.resourceType}/:id` : `${base}/${request.resourceType}`;
}
