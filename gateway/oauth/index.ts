export { createAuthorizationServer, type AuthorizationServer, type AuthorizationServerDeps } from './authorization-server.js';
export type { AccessTokenVerifier, GrantContext } from './grant-context.js';
export type { ServedProvider } from './scope.js';
export type { PeerIdentity, PeerOf } from './peer.js';
export { SHARE_NOT_ACCEPTED, type CheckAvailability, type CheckShareAcceptance } from './interactions/router.js';
export { parseBsn, type Bsn } from './bsn.js';
export { formatTextsTemplate } from './pages/index.js';
