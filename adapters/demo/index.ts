import type { Logger } from 'pino';
import type { Adapter } from '../types.js';
import { createDemoAdapter } from './demo-adapter.js';
import { demoConfigSchema, type DemoConfig } from './demo-config.js';
import type { FhirXmlParser } from './load-dataset.js';
import type { CompartmentPatients } from './demo-store.js';

export { createDemoAdapter, type DemoAdapterDeps } from './demo-adapter.js';
export { demoConfigSchema, type DemoConfig } from './demo-config.js';
export { builtInDemoData, DEMO_PATIENTS, type DemoPatient } from './built-in-data.js';
export { resolveDatePlaceholders } from './resolve-date-placeholders.js';
export type { FhirXmlParser } from './load-dataset.js';
export type { CompartmentPatients } from './demo-store.js';

/** `kind: demo` for the adapter registry: parse the YAML block, then build (loads the data). */
export const demoAdapterFactory = {
  kind: 'demo' as const,
  configSchema: demoConfigSchema,
  create(config: DemoConfig, deps: { readonly log: Logger; readonly parseXml: FhirXmlParser; readonly compartment: CompartmentPatients }): Promise<Adapter> {
    return createDemoAdapter(config, deps);
  },
};
