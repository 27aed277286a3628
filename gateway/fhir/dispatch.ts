import type { Adapter, AdapterContext, Resource } from '../../adapters/types.js';
import { deferredLogger, type Logger } from '../observability/index.js';
import { securityContextOf } from './binary-access.js';
import type { CompartmentViolation } from './compartment.js';
import { guardAdapter } from './compartment-guard.js';
import { withDeadline } from './deadline.js';
import type { ServiceBase } from './exchange.js';
import { isLinkedBinary } from './linked-binary.js';
import type { FhirSearchRequest, ReadRequest } from './request.js';
import { executeSearch, searchPage, type PageOwner, type ResultPaging, type SearchOutcome } from './search/index.js';

/** One adapter call's frame: whose data, under which deadline, where dropped resources go. */
export interface AdapterCall {
  readonly requestId: string;
  readonly log: Logger;
  /** The request's one deadline signal (edge-request.ts). */
  readonly signal: AbortSignal;
  /** From the token, never from the request. */
  readonly patientRef: string;
  /** Resources of another patient the adapter guard dropped (each one is an alarm). */
  readonly onViolation: (violations: readonly CompartmentViolation[]) => void;
}

/**
 * The adapter call, always for the token's patient (`ctx.patient` comes from the grant, never from
 * the request) and always under the request's deadline (the service's timeoutMs combined with
 * the client going away, deadline.ts). The search engine applies filters, $lastn, paging and _include.
 */
export function contextFor(ex: { readonly requestId: string; readonly log: Logger }, service: ServiceBase, adapter: Adapter, patientRef: string, signal: AbortSignal): AdapterContext {
  return {
    patient: { patientRef },
    fhirVersion: service.fhirVersion,
    requestId: ex.requestId,
    signal,
    // Made when the adapter first logs (pino serialises a child's bindings when it is made); a
    // data property, not a getter in this literal (observability deferredLogger says why).
    log: deferredLogger(() => ex.log.child({ adapter: adapter.id })),
  };
}

function underDeadline<T>(call: AdapterCall, service: ServiceBase, adapter: Adapter, run: (ctx: AdapterContext) => Promise<T>): Promise<T> {
  return withDeadline(run(contextFor(call, service, adapter, call.patientRef, call.signal)), call.signal);
}

/**
 * With `paging` (the gateway's store and the access decision's page owner), a result of more than
 * one page is stored once and paged from there (search/result-pages.ts).
 */
export function dispatchSearch(call: AdapterCall, service: ServiceBase, adapter: Adapter, request: FhirSearchRequest, paging?: ResultPaging & { readonly owner: PageOwner }): Promise<SearchOutcome> {
  const guarded = guardAdapter(adapter, call.onViolation);
  if (!paging) return underDeadline(call, service, adapter, (ctx) => executeSearch(request, guarded, ctx));
  return underDeadline(call, service, adapter, (ctx) => searchPage(request, guarded, ctx, paging.owner, paging));
}

export function dispatchRead(call: AdapterCall, service: ServiceBase, adapter: Adapter, request: ReadRequest): Promise<Resource | undefined> {
  const guarded = guardAdapter(adapter, call.onViolation);
  return underDeadline(call, service, adapter, (ctx) => guarded.read(request.resourceType, request.id, ctx));
}

/**
 * `Binary/{id}` read whole through the adapter, served only under the access rule of
 * binary-access.ts: its securityContext names the patient, or the patient's own document indexes
 * point at it. Undefined (→ 404) for an unknown id and for a document that is not the patient's;
 * a securityContext naming another patient is dropped by the guard and reported (→ alarm).
 */
export function dispatchBinaryRead(call: AdapterCall, service: ServiceBase, adapter: Adapter, id: string, indexTypes: readonly string[]): Promise<Resource | undefined> {
  const guarded = guardAdapter(adapter, call.onViolation);
  return underDeadline(call, service, adapter, async (ctx) => {
    const binary = await guarded.read('Binary', id, ctx);
    if (!binary) return undefined;
    const context = securityContextOf(binary);
    if (context.kind === 'patient') return context.patientId === call.patientRef ? binary : undefined;
    return (await isLinkedBinary(guarded, ctx, id, service.url, indexTypes)) ? binary : undefined;
  });
}
