/** The reference PGO client (`medmij-gateway pgo`) and the flow pieces the tests share with it. */
export { runPgoClient, type PgoIo } from './run-pgo-client.js';
export { PGO_USAGE, parsePgoOptions, PgoUsageError, type PgoOptions } from './pgo-options.js';
export { PgoSession, type PgoTarget, type PgoSessionOptions, type HttpAnswer, type TokenAnswer } from './pgo-session.js';
export { PgoFlowError } from './pgo-flow-error.js';
export { describeNetworkError, type Listener } from './network-error.js';
export { buildAuthorizationUrl, createPkcePair, createState, type AuthorizationRequest } from './authorization-url.js';
export { authorizeWithSimulator, hiddenFields, type SimulatorLogin } from './simulator-login.js';
export { exchangeCode, parseTokenResponse, type TokenResponse, type CodeExchange } from './token-exchange.js';
export { discoverEndpoints, type GatewayEndpoints } from './discover-endpoints.js';
export { buildCatalogueQueries, queryPath, queryLabel, type CatalogueQuery } from './catalogue-queries.js';
export { runQuery, outcomeText, type QueryResult, type QueryContext, type FhirFormat } from './run-query.js';
export { formatSummary, maskBsn, type ServiceRun } from './format-summary.js';
export { resolvePgoSetup, type PgoSetup, type ServiceSetup } from './resolve-setup.js';
export { waitForRedirect, type RedirectWait } from './wait-for-redirect.js';
export { runShare, parseShareOptions, type ShareOptions } from './run-share.js';
export { readShareBundle, entryStatuses, type ShareBundle, type EntryStatus } from './share-bundle.js';
export { runAuthorization, type AuthorizationRun } from './authorize-run.js';
