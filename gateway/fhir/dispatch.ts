import type { Adapter, AdapterContext, Resource } from '../../adapters/types.js';
import { securityContextOf } from './binary-access.js';
import { guardAdapter } from './compartment-guard.js';
import { createDeadline, withDeadline } from './deadline.js';
import type { FhirExchange, ServiceBase } from './exchange.js';
import { isLinkedBinary } from './linked-binary.js';
import type { FhirSearchRequest, ReadRequest } from './request.js';
import { executeSearch, searchPage, type PageOwner, type ResultPaging, type SearchOutcome } from './search/index.js';
import type { Response } from 'express';

/**
 * The adapter call, always for the token's patient (`ctx.patient` comes from the grant, never from
 * the request) and always under the service's deadline combined with client disconnect
 * (deadline.ts). The search engine applies filters, $lastn, paging and _include.
 */
export function contextFor(ex: FhirExchange, service: ServiceBase, adapter: Adapter, patientRef: string, signal: AbortSignal): AdapterContext {
  return {
    patient: { patientRef },
    fhirVersion: service.fhirVersion,
    requestId: ex.requestId,
    signal,
    log: ex.log.child({ adapter: adapter.id }),
  };
}

async function underDeadline<T>(res: Response, ex: FhirExchange, service: ServiceBase, adapter: Adapter, patientRef: string, run: (ctx: AdapterContext) => Promise<T>): Promise<T> {
  const deadline = createDeadline(service.timeoutMs, res);
  try {
    const ctx = contextFor(ex, service, adapter, patientRef, deadline.signal);
    return await withDeadline(run(ctx), deadline.signal);
  } finally {
    deadline.dispose();
  }
}

/**
 * With `paging` (the gateway's store and the access decision's page owner), a result of more than
 * one page is stored once and paged from there (search/result-pages.ts).
 */
export function dispatchSearch(res: Response, ex: FhirExchange, service: ServiceBase, adapter: Adapter, patientRef: string, request: FhirSearchRequest, paging?: ResultPaging & { readonly owner: PageOwner }): Promise<SearchOutcome> {
  const guarded = guardAdapter(adapter, (v) => ex.violations.push(...v));
  if (!paging) return underDeadline(res, ex, service, adapter, patientRef, (ctx) => executeSearch(request, guarded, ctx));
  return underDeadline(res, ex, service, adapter, patientRef, (ctx) => searchPage(request, guarded, ctx, paging.owner, paging));
}

export function dispatchRead(res: Response, ex: FhirExchange, service: ServiceBase, adapter: Adapter, patientRef: string, request: ReadRequest): Promise<Resource | undefined> {
  const guarded = guardAdapter(adapter, (v) => ex.violations.push(...v));
  return underDeadline(res, ex, service, adapter, patientRef, (ctx) => guarded.read(request.resourceType, request.id, ctx));
}

/**
 * `Binary/{id}` read whole through the adapter, served only under the access rule of
 * binary-access.ts: its securityContext names the patient, or the patient's own document indexes
 * point at it. Undefined (→ 404) for an unknown id and for a document that is not the patient's;
 * a securityContext naming another patient is dropped by the guard and reported (→ alarm).
 */
export function dispatchBinaryRead(res: Response, ex: FhirExchange, service: ServiceBase, adapter: Adapter, patientRef: string, id: string, indexTypes: readonly string[]): Promise<Resource | undefined> {
  const guarded = guardAdapter(adapter, (v) => ex.violations.push(...v));
  return underDeadline(res, ex, service, adapter, patientRef, async (ctx) => {
    const binary = await guarded.read('Binary', id, ctx);
    if (!binary) return undefined;
    const context = securityContextOf(binary);
    if (context.kind === 'patient') return context.patientId === patientRef ? binary : undefined;
    return (await isLinkedBinary(guarded, ctx, id, service.url, indexTypes)) ? binary : undefined;
  });
}
