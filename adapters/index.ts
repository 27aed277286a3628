/** The adapters' public surface: the seam types, the error family, the compartment rules, the demo EHR. */
export type * from './types.js';
export { AdapterError, UpstreamUnavailable, UpstreamTimeout, UpstreamRejected, MappingFailed } from './errors.js';
export { PATIENT_COMPARTMENT, compartmentPatients, isCompartmentType, isVisibleToPatient } from './patient-compartment.js';
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
} from './demo/index.js';
export { createAdapters, parseAdapterBlocks, AdapterConfigError, ADAPTER_KINDS, type AdapterRegistryDeps, type AdapterConfigIssue } from './registry.js';
export { createBinaryProxy } from './fhir-passthrough/index.js';

