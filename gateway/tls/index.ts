export { guardConnections, isGuarded, type GuardDeps } from './whitelist-guard.js';
export { peerOf, peerCertificateOf } from './peer-of.js';
export type { PeerIdentity } from './peer-identity.js';
export type { RefusalReason } from './judge-peer.js';
export {
  createNodeTlsOptions,
  createPatientTlsOptions,
  createSecureContextOptions,
  NCSC_GOOD_CIPHERS,
  NCSC_GOOD_CURVES,
  type TlsPolicy,
  type TlsMaterialPem,
} from './https-options.js';
export { hardenConnections } from './harden-connections.js';
export {
  createReloadableTlsMaterial,
  type ReloadableTlsMaterial,
  type ReloadableTlsMaterialOptions,
  type ReloadOutcome,
} from './tls-material.js';
export type { TlsMaterial, TlsMaterialFiles } from './load-tls-material.js';
export { requireForwardedPeer, type ForwardedPeerOptions } from './require-forwarded-peer.js';
export { createCertificateVerifier, type CertificateVerifier } from './create-certificate-verifier.js';
export { createWhitelist } from './create-whitelist.js';
export { requireListedPeer } from './require-listed-peer.js';
export { limitConnections, sourceOf, type ConnectionLimits, type ConnectionCounts } from './limit-connections.js';
export { answerOversizedRequests } from './answer-oversized-requests.js';
export { LruCache } from './lru-cache.js';
