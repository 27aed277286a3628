import type { X509Certificate } from 'node:crypto';

export type ChainVerdict = 'ok' | 'untrusted' | 'expired';

/** PKIoverheid is root → domain CA → issuing CA → leaf; leave room, but bound the walk. */
const MAX_DEPTH = 6;

function withinValidity(cert: X509Certificate, now: Date): boolean {
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  const t = now.getTime();
  return Number.isFinite(from) && Number.isFinite(to) && from <= t && t <= to;
}

function signedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  // checkIssued compares names, key identifiers and the issuer's key usage (X509_check_issued);
  // verify checks the signature itself.
  return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
}

/**
 * Does `leaf` chain to one of `anchors` at `now`, through `intermediates` if needed?
 * Used where OpenSSL's own verification is missing or stale: on resumed TLS sessions (the stored
 * verify result dates from the first handshake, see whitelist-guard.ts) and for certificates a
 * trusted proxy forwards. Every certificate on the path must be within its validity (RFC 5280
 * §6.1.3 (a)(2)); an out-of-date link makes the verdict `expired`.
 */
export function verifyChain(
  leaf: X509Certificate,
  intermediates: readonly X509Certificate[],
  anchors: readonly X509Certificate[],
  now: Date,
): ChainVerdict {
  let current = leaf;
  let expired = !withinValidity(leaf, now);
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const anchor = anchors.find((a) => signedBy(current, a));
    if (anchor) return expired || !withinValidity(anchor, now) ? 'expired' : 'ok';
    const next = intermediates.find((c) => c.ca && c !== current && signedBy(current, c));
    if (!next) return 'untrusted';
    if (!withinValidity(next, now)) expired = true;
    current = next;
  }
  return 'untrusted';
}
