import type { Adapter } from '../../../adapters/types.js';
import { DOCUMENT_INDEX_TYPES } from '../binary-access.js';
import type { QueryCatalogue } from '../catalogue/index.js';
import type { ServiceBase } from '../exchange.js';
import { readableTypes, type ServiceAccess } from '../policy.js';
import type { CoreDeps } from './types.js';

/** Everything the core knows about one configured data service, worked out once at start. */
export interface ServiceSetup {
  readonly service: ServiceBase;
  readonly catalogue: QueryCatalogue;
  readonly adapter: Adapter;
  /** Resource types a read may ask for (policy.ts). */
  readonly readable: ReadonlySet<string>;
  /** The searched types that index documents: where a Binary's owner is looked up. */
  readonly documentIndexes: readonly string[];
  /** The service as the access decision reads it (policy.ts), made once rather than per request. */
  readonly access: ServiceAccess;
}

/** The `context` of handle(request, context): built once, shared by every request. */
export interface CoreContext extends CoreDeps {
  setupOf(service: ServiceBase): ServiceSetup;
  /** When the core started: the CapabilityStatement's date. */
  readonly startedAt: string;
}

/**
 * Fails at start, not per request: every service needs its adapter and a catalogue of its own
 * FHIR version.
 */
export function createCoreContext(deps: CoreDeps): CoreContext {
  const setups = new Map<ServiceBase, ServiceSetup>();
  for (const service of deps.directory.values()) {
    const name = `${service.providerName}/${service.serviceId}`;
    const catalogue = deps.catalogues.get(service.standard);
    if (!catalogue) throw new Error(`no query catalogue for standard "${service.standard}" (service ${name})`);
    if (catalogue.fhirVersion !== service.fhirVersion) throw new Error(`catalogue "${service.standard}" is ${catalogue.fhirVersion}, service ${name} is ${service.fhirVersion}`);
    const adapter = deps.adapters.get(service.adapterId);
    if (!adapter) throw new Error(`no adapter "${service.adapterId}" for service ${name}`);
    const readable = readableTypes(catalogue, service.fhirVersion);
    setups.set(service, {
      service,
      catalogue,
      adapter,
      readable,
      access: { ...service, catalogue, readable },
      documentIndexes: DOCUMENT_INDEX_TYPES.filter((t) => catalogue.searches.some((q) => q.resourceType === t)),
    });
  }
  return {
    ...deps,
    startedAt: new Date().toISOString(),
    setupOf(service) {
      const setup = setups.get(service);
      if (!setup) throw new Error(`service ${service.providerName}/${service.serviceId} is not in this core's directory`);
      return setup;
    },
  };
}
