#!/usr/bin/env node
import path from 'node:path';
import { DEMO_PATIENTS } from '../adapters/index.js';
import { chooseConfigFile, ConfigError, loadConfig } from './config/index.js';
import { DeploymentError } from './check-deployment.js';
import { createGateway } from './gateway.js';
import { createLogger } from './observability/index.js';
import { fromProjectRoot } from './project-root.js';

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
  printBanner(file, config, bound);

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

function printBanner(
  file: string,
  config: Awaited<ReturnType<typeof loadConfig>>,
  bound: { node: string; patient: string; operations: string },
): void {
  const lines = [
    '',
    `MedMij gateway running (mode: ${config.mode}, config: ${path.relative(process.cwd(), file) || file})`,
    `  MedMij node interface (mTLS + Whitelist): ${bound.node}   public URL ${config.listeners.node.publicUrl}`,
    `  patient interface (browser):              ${bound.patient}   public URL ${config.listeners.patient.publicUrl}`,
    `  operations (health, ready, metrics):      ${bound.operations}/health  /ready${config.operations.metrics ? '  /metrics' : ''}`,
    `  authorization server metadata:            ${config.listeners.patient.publicUrl}/.well-known/oauth-authorization-server`,
  ];
  for (const provider of config.providers) {
    for (const service of provider.services) {
      lines.push(`  FHIR base ${provider.name} / ${service.id} (${service.fhirVersion}): ${config.listeners.node.publicUrl}/fhir/${provider.name}/${service.id}`);
    }
  }
  if (config.adapters.some((a) => a.kind === 'demo')) {
    lines.push(`  demo patients (BSN): ${DEMO_PATIENTS.map((p) => `${p.name} ${p.bsn}`).join(', ')}`);
    lines.push('  try it: npx medmij-gateway pgo --bsn ' + (DEMO_PATIENTS[0]?.bsn ?? ''));
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`The gateway did not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
