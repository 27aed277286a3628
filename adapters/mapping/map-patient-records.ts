import type { Resource } from '../types.js';

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
 * Turns legacy records into resources, dropping on the record's own patient field: a record of
 * another patient never reaches the mapping (the mapped resource might not say whose it was).
 * Those drops are counted as `foreign` so that the adapter reports them and the gateway raises
 * the alarm (AdapterContext.reportForeign); a record naming no patient is dropped where unlinked
 * records are not allowed, without an alarm. The compartment rule on the mapped resources is the
 * gateway's, at the adapter boundary. The records themselves are never logged.
 */
export function mapPatientRecords<R>(input: PatientRecordsInput<R>): { readonly resources: Resource[]; readonly foreign: number } {
  const resources: Resource[] = [];
  let foreign = 0;
  for (const record of input.records) {
    if (input.ownerOf) {
      const owner = input.ownerOf(record);
      if (owner === undefined || owner === '') {
        if (!input.allowUnlinked) continue;
      } else if (owner !== input.patientRef) {
        foreign += 1;
        continue;
      }
    }
    const resource = input.map(record);
    // A mapping that yields another type is a configuration fault, not a patient's resource.
    if (resource.resourceType === input.resourceType) resources.push(resource);
  }
  return { resources, foreign };
}
