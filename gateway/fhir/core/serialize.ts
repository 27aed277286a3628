import type { FhirVersion, Resource } from '../../../adapters/types.js';
import { toFhirXml } from '../fhir-xml.js';
import type { FhirFormat } from '../format.js';
import type { CoreResource } from './types.js';

/** A resource answer's bytes in its negotiated format. */
export function serializeResource(resource: CoreResource, format: FhirFormat, version: FhirVersion): string {
  return format === 'xml' ? toFhirXml(resource as Resource, version) : JSON.stringify(resource);
}
