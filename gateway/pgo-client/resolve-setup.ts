import { access } from 'node:fs/promises';
import type { FhirVersion } from '../../adapters/types.js';
import { ConfigError, DEFAULT_ENDPOINT_PATHS, loadConfig, type GatewayConfig } from '../config/index.js';
import { catalogueFile, loadCatalogue, type QueryCatalogue } from '../fhir/catalogue/index.js';
import { fromProjectRoot } from '../project-root.js';
import type { PgoOptions } from './pgo-options.js';
import { PgoFlowError } from './pgo-flow-error.js';

export interface ServiceSetup {
  readonly id: string;
  readonly standard: string;
  readonly fhirVersion: FhirVersion;
  readonly catalogue: QueryCatalogue;
}

export interface PgoSetup {
  readonly patientUrl: string;
  readonly nodeUrl: string;
  /** True when --node-url replaced the configured public URL (the metadata's token endpoint is rebased). */
  readonly nodeUrlOverridden: boolean;
  readonly configuredNodeUrl?: string;
  readonly services: readonly ServiceSetup[];
  /** `endpoints.resourcePath` of the gateway config (the default without one): where each FHIR base is. */
  readonly resourcePath: string;
  /** Where the URLs and services came from, for the report. */
  readonly source: string;
}

/** The public URLs `npm start` serves on with config/gateway.yaml. */
const DEFAULT_PATIENT_URL = 'https://localhost:8443';
const DEFAULT_NODE_URL = 'https://localhost:9443';
/** Gegevensdienst ids whose standard is known without a config (GNL: 48 = Basisgegevens Zorg; 53 = Delen Zelfmetingen). */
const KNOWN_STANDARDS: Readonly<Record<string, string>> = { '48': 'bgz-3', '53': 'zelfmetingen-delen-2' };

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

async function readConfig(options: PgoOptions): Promise<{ config: GatewayConfig; file: string } | undefined> {
  const file = options.configFile ?? fromProjectRoot('config', 'gateway.yaml');
  if (options.configFile === undefined && !(await exists(file))) return undefined;
  try {
    return { config: await loadConfig(file), file };
  } catch (error) {
    if (error instanceof ConfigError) throw new PgoFlowError(`the gateway config ${file} is not valid (see: medmij-gateway check-config ${file})`);
    throw error;
  }
}

async function catalogueOf(standard: string, folder?: string): Promise<QueryCatalogue> {
  try {
    return await loadCatalogue(catalogueFile(standard, folder));
  } catch {
    throw new PgoFlowError(`no query catalogue for standard "${standard}" (config/standards/${standard}.yaml)`);
  }
}

/**
 * Everything the run needs besides TLS material: the two public URLs and, per data service, its
 * standard and query catalogue. The gateway config is the source when present (the same file the
 * gateway runs on); options override it.
 */
export async function resolvePgoSetup(options: PgoOptions): Promise<PgoSetup> {
  const loaded = await readConfig(options);
  const configuredNodeUrl = loaded?.config.listeners.node.publicUrl.replace(/\/+$/, '');
  const patientUrl = options.patientUrl ?? loaded?.config.listeners.patient.publicUrl.replace(/\/+$/, '') ?? DEFAULT_PATIENT_URL;
  const nodeUrl = options.nodeUrl ?? configuredNodeUrl ?? DEFAULT_NODE_URL;

  const services: ServiceSetup[] = [];
  if (loaded) {
    const provider = loaded.config.providers.find((p) => p.name === options.provider);
    if (!provider) throw new PgoFlowError(`the config ${loaded.file} has no care provider "${options.provider}" (it has: ${loaded.config.providers.map((p) => p.name).join(', ')})`);
    const wanted = options.services.length > 0 ? options.services : provider.services.map((s) => s.id);
    for (const id of wanted) {
      const service = provider.services.find((s) => s.id === id);
      if (!service) throw new PgoFlowError(`care provider "${provider.name}" offers no data service "${id}" (it offers: ${provider.services.map((s) => s.id).join(', ')})`);
      const standard = options.standard ?? service.standard;
      services.push({ id, standard, fhirVersion: service.fhirVersion, catalogue: await catalogueOf(standard, loaded.config.standards.folder) });
    }
  } else {
    if (options.services.length === 0) throw new PgoFlowError('without a gateway config, name the data services with --service (and --standard when not 48)');
    for (const id of options.services) {
      const standard = options.standard ?? KNOWN_STANDARDS[id] ?? id;
      const catalogue = await catalogueOf(standard);
      services.push({ id, standard, fhirVersion: catalogue.fhirVersion, catalogue });
    }
  }
  return {
    patientUrl,
    nodeUrl,
    nodeUrlOverridden: options.nodeUrl !== undefined,
    ...(configuredNodeUrl !== undefined ? { configuredNodeUrl } : {}),
    services,
    resourcePath: loaded?.config.endpoints.resourcePath ?? DEFAULT_ENDPOINT_PATHS.resourcePath,
    source: loaded ? loaded.file : 'built-in defaults',
  };
}
