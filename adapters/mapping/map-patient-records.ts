import type { Resource } from '../types.js';
import { inPatientScope } from './patient-scope.js';

export interface PatientRecordsInput<R> {
  readonly records: readonly R[];
  /**
   * The record's own patient field (a column, an XML path), or undefined when the source has
   * none configured. An empty or missing value means "names no patient".
   */
  readonly ownerOf: ((record: R) => string | undefined) | undefined;
  readonly map: (record: R) => Resource;
  readonly resourceType: string;
  readonly patientRef: string;
  readonly allowUnlinked: boolean;
}

/**
 * Turns legacy records into the patient's resources, dropping everything else twice over:
 * first on the record's own patient field (records of another patient never reach the mapping),
 * then on the mapped resource (inPatientScope). The count of dropped records is returned so the
 * adapter can log it; the records themselves are never logged.
 */
export function mapPatientRecords<R>(input: PatientRecordsInput<R>): { readonly resources: Resource[]; readonly dropped: number } {
  const resources: Resource[] = [];
  let dropped = 0;
  for (const record of input.records) {
    if (input.ownerOf) {
      const owner = input.ownerOf(record);
      if (owner === undefined || owner === '' ? !input.allowUnlinked : owner !== input.patientRef) {
        dropped += 1;
        continue;
      }
    }
    const resource = input.map(record);
    if (resource.resourceType === input.resourceType && inPatientScope(resource, input.patientRef, { allowUnlinked: input.allowUnlinked })) {
      resources.push(resource);
    } else {
      dropped += 1;
    }
  }
  return { resources, dropped };
}
