import { MappingFailed } from './errors.js';
import type { AdapterContext, FhirVersion } from './types.js';

/**
 * An adapter block names the one FHIR version its backend speaks; a request for a service of the
 * other version is a configuration mistake (check-deployment reports it at start), never a reason
 * to serve resources in the wrong version.
 */
export function assertFhirVersion(adapter: { readonly id: string; readonly fhirVersion: FhirVersion }, ctx: AdapterContext): void {
  if (ctx.fhirVersion !== adapter.fhirVersion) {
    throw new MappingFailed(`adapter "${adapter.id}" serves FHIR ${adapter.fhirVersion}, not ${ctx.fhirVersion}`);
  }
}
