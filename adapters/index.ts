/** The adapters' public surface: the seam types, the error family, the demo EHR, the registry. */
export type * from './types.js';
export { AdapterError, UpstreamUnavailable, UpstreamTimeout, UpstreamRejected, MappingFailed } from './errors.js';
export {
  createDemoAdapter,
  demoAdapterFactory,
  demoConfigSchema,
  builtInDemoData,
  DEMO_PATIENTS,
  resolveDatePlaceholders,
  type DemoAdapterDeps,
  type DemoConfig,
  type DemoPatient,
  type FhirXmlParser,
  type CompartmentPatients,
} from './demo/index.js';
export { createAdapters, parseAdapterBlocks, AdapterConfigError, ADAPTER_KINDS, type AdapterRegistryDeps, type AdapterConfigIssue } from './registry.js';
export { createBinaryProxy } from './fhir-passthrough/index.js';

