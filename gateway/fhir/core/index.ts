/** The framework-free FHIR core: handle(request, context) → answer. */
export { handle } from './handle.js';
export { createCoreContext, type CoreContext, type ServiceSetup } from './context.js';
export { answerError, toFhirError } from './answer-error.js';
export { recordRequest, accessFields, type Received } from './record-request.js';
export { serializeResource } from './serialize.js';
export type { Answer, AnswerBody, CoreDeps, CoreHeaders, CorePeer, CoreRequest, CoreResource, RequestRecord } from './types.js';
