import { chooseConfigFile, loadConfig } from './config/index.js';
import { createKetenlog, outboxFor } from './ketenlog/index.js';
import { createLogger } from './observability/index.js';
import { fromProjectRoot } from './project-root.js';
import { createStore } from './storage/index.js';

export const KETENLOG_USAGE = `Usage: medmij-gateway ketenlog <status|resend> [config file]

  status   what waits in the MedMij log outbox: count, age of the oldest, the first few events
  resend   send everything queued now, ignoring batch age and back-off (when no running gateway
           holds the shipping lease; a running gateway ships by itself)
`;

/**
 * `medmij-gateway ketenlog …`: the operator's view of the MedMij log outbox (README "MedMij
 * ketenmonitoring"). Talks to the configured storage (Redis) directly; the records hold no
 * patient data, so their types and ids may be printed.
 */
export async function runKetenlogCommand([sub, file]: readonly string[]): Promise<number> {
  if (sub !== 'status' && sub !== 'resend') {
    process.stderr.write(KETENLOG_USAGE);
    return 2;
  }
  const config = await loadConfig(chooseConfigFile(file, fromProjectRoot('config', 'gateway.yaml')));
  if (config.storage.kind === 'memory') {
    process.stderr.write('storage.kind is memory: the outbox lives inside the running gateway only; see /metrics (medmij_gateway_ketenlog_*)\n');
    return 1;
  }
  const log = createLogger({ level: 'warn' });
  const store = await createStore(config.storage, log);
  const ketenlog = await createKetenlog(
    config.ketenlog,
    { store, certFile: config.tls.certFile, keyFile: config.tls.keyFile, nodePublicUrl: config.listeners.node.publicUrl, log },
    { ship: false },
  );
  try {
    if (sub === 'resend') {
      const result = await ketenlog.drainNow();
      if (result.leaseHeld) {
        process.stdout.write('a running gateway holds the shipping lease and ships the outbox itself; nothing sent\n');
        return 0;
      }
      process.stdout.write(`sent ${result.sent} record(s) to ${config.ketenlog.url}${result.failed ? `; then a batch failed${result.status ? ` (HTTP ${result.status})` : ''}` : ''}\n`);
      return result.failed ? 1 : 0;
    }
    const status = await ketenlog.status();
    const age = status.oldestAgeSeconds === undefined ? '-' : `${Math.round(status.oldestAgeSeconds)} s`;
    process.stdout.write(
      `outbox: ${status.queued} record(s) queued, oldest ${age}, max ${config.ketenlog.outbox.maxEvents} (when full: ${status.whenFull})${status.full ? ', FULL' : ''}\n` +
        `target: ${config.ketenlog.url}${config.ketenlog.enabled ? '' : ' (ketenlog.enabled is false)'}\n`,
    );
    for (const entry of await outboxFor(store).peek(5)) {
      const type = (JSON.parse(entry.record) as { event?: { type?: string } }).event?.type ?? '?';
      process.stdout.write(`  ${entry.id}  ${new Date(entry.queuedAtMs).toISOString()}  ${type}\n`);
    }
    return 0;
  } finally {
    await ketenlog.close();
    await store.close();
  }
}
