import type { RequestHandler } from 'express';
import type { Whitelist } from '../lists/index.js';
import type { AuditLog } from '../observability/index.js';
import type { RefusalReason } from './judge-peer.js';
import { peerOf } from './peer-of.js';
import { recordRefusal } from './record-refusal.js';

/**
 * Per-request backstop behind the connection guard. The guard decides at the handshake; a
 * keep-alive connection can outlive a Whitelist change by minutes, and the certificate it was
 * opened with can expire while it stays open (issue 9, finding 7: requests were served 17 s after
 * expiry). So every request re-checks its peer against the list in force AND the certificate's
 * validity now (digest §5.3: the check is against "the most recent Whitelist"; an expired
 * certificate is no authentication at all, RFC 5280 §4.1.2.5). A request that somehow has no
 * verified peer is never served. Refusal is the guard's: the connection is closed without an
 * answer, and the audit log says why.
 */
export function requireListedPeer(
  currentWhitelist: () => Whitelist | undefined,
  options: { readonly audit?: AuditLog; readonly now?: () => Date } = {},
): RequestHandler {
  // Per request only comparisons: the identity was read once, at the handshake (whitelist-guard.ts).
  const nowMs = options.now === undefined ? Date.now : () => options.now!().getTime();
  return (req, res, next) => {
    const peer = peerOf(req);
    const whitelist = currentWhitelist();
    let reason: RefusalReason | undefined;
    if (!peer) reason = 'no_certificate';
    else if (nowMs() > peer.validTo.getTime()) reason = 'expired';
    else if (!whitelist) reason = 'no_whitelist';
    else if (!listed(peer.hostnames, whitelist)) reason = 'not_whitelisted';
    if (reason === undefined) {
      next();
      return;
    }
    if (options.audit) recordRefusal(options.audit, reason, { identity: peer, address: req.socket.remoteAddress, detail: 'per_request' });
    res.socket?.destroy();
  };
}

function listed(hostnames: readonly string[], whitelist: Whitelist): boolean {
  for (const host of hostnames) if (whitelist.has(host)) return true;
  return false;
}
