#!/usr/bin/env node
import path from 'node:path';
import { DEMO_PATIENTS } from '../adapters/index.js';
import { chooseConfigFile, ConfigError, loadConfig, type GatewayConfig } from './config/index.js';
import { DeploymentError } from './check-deployment.js';
import { createGateway, type Gateway } from './gateway.js';
import { createLogger } from './observability/index.js';
import { fromProjectRoot } from './project-root.js';
import { startBanner } from './start-banner.js';
import { zalEntriesFor } from './zal-command.js';
import { zalDrift } from './zal-drift.js';

/**
 * The only file with process effects: load and check the config, build the gateway, listen,
 * and turn signals into reload (SIGHUP) and graceful shutdown (SIGTERM, SIGINT).
 */
async function main(): Promise<void> {
  const file = chooseConfigFile(process.argv[2], fromProjectRoot('config', 'gateway.yaml'));
  let config;
  try {
    config = await loadConfig(file);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.format()}\nThe gateway did not start: fix the configuration above.\n`);
      process.exit(1);
    }
    throw error;
  }

  const log = createLogger({ level: config.logging.level });
  let gateway;
  try {
    gateway = await createGateway(config, { configDir: path.dirname(path.resolve(file)), log });
  } catch (error) {
    if (error instanceof DeploymentError) {
      process.stderr.write(`${error.problems.map((p) => `${file}: ${p}`).join('\n')}\nThe gateway did not start: fix the deployment above (medmij-gateway check-config ${file}).\n`);
      process.exit(1);
    }
    throw error;
  }
  const bound = await gateway.listen();
  printBanner(file, config, bound, gateway);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: no new connections, draining requests in flight');
    gateway.close(10_000).then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => {
    gateway.reload().catch((error: unknown) => log.error({ err: error }, 'reload failed; the previous material stays in force'));
  });
}

function printBanner(file: string, config: GatewayConfig, bound: { node: string; patient: string; operations: string }, gateway: Gateway): void {
  const demoPatients = config.adapters.some((a) => a.kind === 'demo') ? DEMO_PATIENTS : undefined;
  const zal = gateway.lists.current('zorgaanbiederslijst');
  const drift = zal ? zalDrift(zalEntriesFor(config), zal) : [];
  const lines = startBanner({ file, config, bound, lists: gateway.lists.status(), zalDrift: drift, ...(demoPatients ? { demoPatients } : {}) });
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`The gateway did not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
