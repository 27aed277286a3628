import type { Adapter } from '../adapters/index.js';
import type { GatewayMetrics } from './observability/index.js';

/**
 * Times every call into an EHR adapter for the `medmij_gateway_adapter_duration_seconds`
 * histogram, by adapter id and outcome (ok, or the error's class name: UpstreamTimeout,
 * UpstreamUnavailable, ...). Labels carry no query values and no patient data.
 */
export function instrumentAdapter(adapter: Adapter, metrics: GatewayMetrics): Adapter {
  // The histogram's child per outcome, looked up once: startTimer/end hashed the label objects
  // on every adapter call. Error class names are few; past the cap a child is simply not kept.
  const children = new Map<string, { observe(seconds: number): void }>();
  const childFor = (outcome: string) => {
    let child = children.get(outcome);
    if (!child) {
      child = metrics.adapterDuration.labels({ adapter: adapter.id, outcome });
      if (children.size < 64) children.set(outcome, child);
    }
    return child;
  };
  const timed = <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const started = performance.now();
      try {
        const result = await call(...args);
        childFor('ok').observe((performance.now() - started) / 1000);
        return result;
      } catch (error) {
        childFor(error instanceof Error ? error.name : 'error').observe((performance.now() - started) / 1000);
        throw error;
      }
    };
  return {
    ...adapter,
    id: adapter.id,
    capabilities: () => adapter.capabilities(),
    search: timed((query, ctx) => adapter.search(query, ctx)),
    read: timed((type, id, ctx) => adapter.read(type, id, ctx)),
    ...(adapter.write ? { write: timed(adapter.write.bind(adapter)) } : {}),
    ...(adapter.canAcceptShare ? { canAcceptShare: timed(adapter.canAcceptShare.bind(adapter)) } : {}),
    findPatientByBsn: timed((bsn, signal) => adapter.findPatientByBsn(bsn, signal)),
    health: (signal) => adapter.health(signal),
    close: () => adapter.close(),
  };
}
