import express, { type Router } from 'express';
import type { GatewayMetrics } from './metrics.js';

export interface ReadinessCheck {
  readonly name: string;
  /** Resolves ok or not; must not throw (a throw counts as not ready) and honours the signal. */
  check(signal: AbortSignal): Promise<{ readonly ok: boolean; readonly detail?: string }>;
}

const CHECK_TIMEOUT_MS = 2000;

/**
 * The operations endpoints, served on their own plain-HTTP listener (bind it to loopback or a
 * private network): /health says the process runs; /ready says it can serve MedMij traffic now
 * (lists in force, storage answering, adapters answering), so a load balancer stops sending
 * traffic to a replica that would only refuse it.
 */
export function createOperationsRouter(deps: {
  readonly checks: readonly ReadinessCheck[];
  readonly metrics?: GatewayMetrics;
  readonly isShuttingDown: () => boolean;
}): Router {
  const router = express.Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/ready', async (_req, res) => {
    const results = await Promise.all(deps.checks.map((c) => runCheck(c)));
    const ready = !deps.isShuttingDown() && results.every((r) => r.ok);
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not-ready',
      ...(deps.isShuttingDown() ? { shuttingDown: true } : {}),
      checks: results,
    });
  });
  if (deps.metrics) {
    const { registry } = deps.metrics;
    router.get('/metrics', async (_req, res) => {
      res.type(registry.contentType).send(await registry.metrics());
    });
  }
  return router;
}

async function runCheck(check: ReadinessCheck): Promise<{ name: string; ok: boolean; detail?: string }> {
  const signal = AbortSignal.timeout(CHECK_TIMEOUT_MS);
  try {
    const result = await Promise.race([
      check.check(signal),
      new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('timed out')), { once: true })),
    ]);
    return { name: check.name, ok: result.ok, ...(result.detail === undefined ? {} : { detail: result.detail }) };
  } catch (error) {
    return { name: check.name, ok: false, detail: error instanceof Error ? error.message : 'failed' };
  }
}
