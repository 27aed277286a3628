/** The FHIR resource server's public surface (its HTTP layer; the search engine has its own door). */
export { createFhirRouter, createFhirServer, type FhirRouterDeps, type FhirServer } from './router.js';
export { createNodeEdge, type PlainMiddleware } from './node-edge.js';
export type { ProviderConfig, ProviderServiceConfig } from './resolve-base.js';
export type { PeerFingerprint } from './authenticate.js';
export type { CorePeer as PeerNames } from './core/index.js';
export { createStaticTokenVerifier, type StaticTokenEntry } from './qualification-tokens.js';
export { FhirError, operationOutcome, type OperationOutcome, type IssueType } from './outcome.js';
export { maskBsn, containsUnmaskedBsn, BSN_SYSTEMS } from './mask-bsn.js';
export { screenResources, judgeCompartment, type CompartmentScope, type CompartmentVerdict } from './compartment.js';
export { compartmentPatients } from './search/index.js';
export { parseFhirXml, toFhirXml } from './fhir-xml.js';
