import type { Whitelist } from '../lists/index.js';
import type { ParsedPeer } from './peer-identity.js';

/** Why a node-interface peer was refused; the `reason` of the `tls_connection_refused` audit event. */
export type RefusalReason = 'no_certificate' | 'untrusted' | 'expired' | 'not_whitelisted' | 'no_whitelist';

/**
 * The checks that do not depend on how the certificate arrived, for a certificate whose chain is
 * already known to be good: still within its validity at `now`, and its CN or any DNS SAN on the
 * Whitelist in force (digest §5.3). No list in force means refuse everyone (fail closed, §4.1).
 */
export function judgePeer(peer: ParsedPeer, whitelist: Whitelist | undefined, now: Date): RefusalReason | undefined {
  const t = now.getTime();
  const from = peer.validFrom.getTime();
  const to = peer.identity.validTo.getTime();
  if (!(from <= t && t <= to)) return 'expired';
  if (whitelist === undefined) return 'no_whitelist';
  return peer.identity.hostnames.some((h) => whitelist.has(h)) ? undefined : 'not_whitelisted';
}
