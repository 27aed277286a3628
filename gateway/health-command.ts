import { chooseConfigFile, chooseHealthUrl, loadConfig, type GatewayConfig } from './config/index.js';
import { fromProjectRoot } from './project-root.js';

/**
 * @module `medmij-gateway health [file]`: the image's HEALTHCHECK. Probes `/health` on the
 * operations listener the config names (so it follows `operations.host`/`port` instead of a fixed
 * 127.0.0.1:9090), or MEDMIJ_GATEWAY_HEALTH_URL when set. Exit 0 when it answers 200 within the
 * deadline, 1 otherwise; one line on stderr says why, never a stack trace.
 */
export const HEALTH_USAGE = `Usage: medmij-gateway health [file]

Exit 0 when the gateway's operations listener answers GET /health with 200 within 3 s, 1 otherwise.
The address comes from MEDMIJ_GATEWAY_HEALTH_URL when set, else from operations.host/port of the
config file (default: MEDMIJ_GATEWAY_CONFIG, then config/gateway.yaml). Used by the image's HEALTHCHECK.
`;

const DEADLINE_MS = 3000;

export async function runHealthCommand([file]: readonly string[]): Promise<number> {
  const url = chooseHealthUrl() ?? healthUrlOf(await loadConfig(chooseConfigFile(file, fromProjectRoot('config', 'gateway.yaml'))));
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(DEADLINE_MS), redirect: 'error' });
    await res.body?.cancel();
    if (res.status === 200) return 0;
    process.stderr.write(`medmij-gateway health: ${url} answered ${res.status}\n`);
  } catch (error) {
    const inner = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
    const cause = typeof inner?.code === 'string' ? inner.code : typeof inner?.message === 'string' ? inner.message : error instanceof Error ? error.message : 'failed';
    process.stderr.write(`medmij-gateway health: ${url} did not answer (${cause})\n`);
  }
  return 1;
}

/** A wildcard bind address is probed on loopback, the way a process inside the container reaches it. */
export function healthUrlOf(config: GatewayConfig): string {
  const host = config.operations.host;
  const probe = host === '0.0.0.0' ? '127.0.0.1' : host === '::' || host === '[::]' ? '::1' : host;
  const bracketed = probe.includes(':') && !probe.startsWith('[') ? `[${probe}]` : probe;
  return `http://${bracketed}:${config.operations.port}/health`;
}
