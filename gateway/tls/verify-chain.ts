import type { X509Certificate } from 'node:crypto';

export type ChainVerdict = 'ok' | 'untrusted' | 'expired';

/**
 * When a chain holds: from the latest notBefore to the earliest notAfter of its links, in ms.
 * NaN bounds (an unreadable date) make every instant fall outside.
 */
export interface ChainWindow {
  readonly from: number;
  readonly to: number;
}

/** PKIoverheid is root → domain CA → issuing CA → leaf; leave room, but bound the walk. */
const MAX_DEPTH = 6;

function signedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  // checkIssued compares names, key identifiers and the issuer's key usage (X509_check_issued);
  // verify checks the signature itself.
  return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
}

/**
 * The window in which `leaf` chains to one of `anchors` (through `intermediates` if needed), or
 * undefined when no signature path leads to an anchor. Signatures do not change with time, so a
 * caller may keep the window for as long as the anchors stay the same (whitelist-guard.ts does,
 * for resumed sessions) and only compare the clock with it.
 */
export function chainWindow(
  leaf: X509Certificate,
  intermediates: readonly X509Certificate[],
  anchors: readonly X509Certificate[],
): ChainWindow | undefined {
  let current = leaf;
  let from = Date.parse(leaf.validFrom);
  let to = Date.parse(leaf.validTo);
  const narrow = (cert: X509Certificate) => {
    from = Math.max(from, Date.parse(cert.validFrom));
    to = Math.min(to, Date.parse(cert.validTo));
  };
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const anchor = anchors.find((a) => signedBy(current, a));
    if (anchor) {
      narrow(anchor);
      return { from, to };
    }
    const next = intermediates.find((c) => c.ca && c !== current && signedBy(current, c));
    if (!next) return undefined;
    narrow(next);
    current = next;
  }
  return undefined;
}

/** Does `now` fall within a chain's window? `undefined` (no path) is untrusted. */
export function judgeChain(window: ChainWindow | undefined, now: Date): ChainVerdict {
  if (window === undefined) return 'untrusted';
  const t = now.getTime();
  return window.from <= t && t <= window.to ? 'ok' : 'expired';
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
  return judgeChain(chainWindow(leaf, intermediates, anchors), now);
}
