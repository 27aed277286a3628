export { compileMapping, type CompiledMapping } from './compile-mapping.js';
export { convertValue } from './convert-value.js';
export { mappingSpecSchema, mappingsSchema, fieldSpecSchema, VALUE_TYPES, type MappingSpec, type FieldSpec, type ValueType } from './mapping-schema.js';
export { recordFromRow, type LegacyRecord } from './record-reader.js';
export { setPath, mergeInto } from './set-path.js';
export { mapPatientRecords, type PatientRecordsInput } from './map-patient-records.js';
export { parseResourcePath, valueAt, type ResourcePath } from './resource-path.js';
