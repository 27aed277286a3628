import type { Adapter } from '../adapters/index.js';
import type { GatewayMetrics } from './observability/index.js';

/**
 * Times every call into an EHR adapter for the `medmij_gateway_adapter_duration_seconds`
 * histogram, by adapter id and outcome (ok, or the error's class name: UpstreamTimeout,
 * UpstreamUnavailable, ...). Labels carry no query values and no patient data.
 */
export function instrumentAdapter(adapter: Adapter, metrics: GatewayMetrics): Adapter {
  const timed = <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const end = metrics.adapterDuration.startTimer({ adapter: adapter.id });
      try {
        const result = await call(...args);
        end({ outcome: 'ok' });
        return result;
      } catch (error) {
        end({ outcome: error instanceof Error ? error.name : 'error' });
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
