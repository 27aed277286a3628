/** Errors become FHIR answers in one place: core/answer-error.ts. */
export { toFhirError } from './core/answer-error.js';
