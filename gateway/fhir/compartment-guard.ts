import type { Adapter, AdapterContext, Resource, SearchQuery, SearchResult } from '../../adapters/types.js';
import { screenResources, type CompartmentViolation } from './compartment.js';

/**
 * The adapter boundary, the first of the two places where the compartment rule runs
 * (compartment.ts; the other is the final answer): everything the adapter hands the search
 * engine, search candidates and every read (reads by id, `_include` targets, chained
 * parameters). Adapters apply no compartment rule of their own; another patient's resource stops
 * here and each one is reported so the pipeline raises the alarm. Records an adapter dropped
 * before mapping (their own patient field named someone else) are reported through
 * `ctx.reportForeign` and raise the alarm too.
 */
export function guardAdapter(adapter: Adapter, onViolation: (violations: readonly CompartmentViolation[]) => void): Adapter {
  // A class, not an object literal of closures: the guard is made for every FHIR request, and
  // its ten closures were a fair share of what a search allocated (issue 14). `readMany` only
  // where the adapter has it: the engine reads that as "this backend batches" (search/).
  return adapter.readMany ? new BatchingGuardedAdapter(adapter, onViolation) : new GuardedAdapter(adapter, onViolation);
}

class GuardedAdapter implements Adapter {
  readonly id: string;
  /** The context last handed in and the guarded copy made of it: a request passes the same one to every call. */
  #last: { readonly from: AdapterContext; readonly guarded: AdapterContext } | undefined = undefined;

  constructor(
    protected readonly adapter: Adapter,
    private readonly onViolation: (violations: readonly CompartmentViolation[]) => void,
  ) {
    this.id = adapter.id;
  }

  capabilities(): ReturnType<Adapter['capabilities']> {
    return this.adapter.capabilities();
  }

  async search(query: SearchQuery, ctx: AdapterContext): Promise<SearchResult> {
    const result = await this.adapter.search(query, this.guarded(ctx));
    return { resources: [...this.screen(result.resources, ctx, false)] };
  }

  async read(resourceType: string, id: string, ctx: AdapterContext): Promise<Resource | undefined> {
    const resource = await this.adapter.read(resourceType, id, this.guarded(ctx));
    if (!resource) return undefined;
    // Reads serve _include and chained parameters: a resource that names no patient may come
    // through (the pipeline decides per use); one that names another patient never does.
    return this.screen([resource], ctx, true)[0];
  }

  findPatientByBsn(): Promise<never> {
    return Promise.reject(new Error('not available on the FHIR path'));
  }

  health(signal: AbortSignal): ReturnType<Adapter['health']> {
    return this.adapter.health(signal);
  }

  close(): Promise<void> {
    return Promise.resolve(); // the registry owns the adapter's life cycle
  }

  /**
   * The context the adapter sees: field by field, not `...ctx` (a context from elsewhere may
   * still carry a lazy `log` getter, which a spread would read; ours is a deferred logger held
   * as data, observability deferredLogger says why), with the report of records the adapter
   * dropped before mapping. The compiler checks every field.
   */
  protected guarded(ctx: AdapterContext): AdapterContext {
    if (this.#last?.from === ctx) return this.#last.guarded;
    const onViolation = this.onViolation;
    const guarded: AdapterContext = {
      patient: ctx.patient,
      fhirVersion: ctx.fhirVersion,
      requestId: ctx.requestId,
      signal: ctx.signal,
      log: ctx.log,
      reportForeign: (resourceType, count) => {
        if (count > 0) onViolation(Array.from({ length: count }, () => ({ resourceType })));
      },
    };
    this.#last = { from: ctx, guarded };
    return guarded;
  }

  protected screen(resources: readonly Resource[], ctx: AdapterContext, allowUnlinked: boolean): readonly Resource[] {
    const { kept, violations } = screenResources(resources, { patientRef: ctx.patient.patientRef, fhirVersion: ctx.fhirVersion }, { allowUnlinked });
    if (violations.length > 0) this.onViolation(violations);
    return kept;
  }
}

class BatchingGuardedAdapter extends GuardedAdapter {
  async readMany(resourceType: string, ids: readonly string[], ctx: AdapterContext): Promise<readonly Resource[]> {
    // The same rule as a single read: for _include, unlinked may pass, another patient's never.
    return this.screen(await this.adapter.readMany!(resourceType, ids, this.guarded(ctx)), ctx, true);
  }
}
