import type { X509Certificate } from 'node:crypto';
import { verifyChain, type ChainVerdict } from './verify-chain.js';

export type CertificateVerifier = (cert: X509Certificate) => ChainVerdict;

/**
 * Verifies a certificate that did not come through our own handshake (forwarded by a trusted
 * proxy): it must chain to the client-CA anchors in force and be within its validity now. The
 * proxy forwards the leaf only (nginx `$ssl_client_escaped_cert`), so the issuing CA must be in
 * the CA file, as it is for direct connections when peers send no intermediates.
 */
export function createCertificateVerifier(deps: {
  trustedCa: () => readonly X509Certificate[];
  now?: () => Date;
}): CertificateVerifier {
  const now = deps.now ?? (() => new Date());
  return (cert) => verifyChain(cert, [], deps.trustedCa(), now());
}
