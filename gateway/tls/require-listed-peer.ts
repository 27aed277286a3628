import type { RequestHandler } from 'express';
import type { Whitelist } from '../lists/index.js';
import { peerOf } from './peer-of.js';

/**
 * Per-request backstop behind the connection guard. The guard decides at the handshake; a
 * keep-alive connection can outlive a Whitelist change by minutes. This re-checks the peer of
 * every request against the list in force (one Set lookup per name), so a host removed from the
 * Whitelist loses even its open connections, and a request that somehow has no verified peer is
 * never served. Refusal is the same as the guard's: the connection is closed without an answer.
 */
export function requireListedPeer(currentWhitelist: () => Whitelist | undefined): RequestHandler {
  return (req, res, next) => {
    const peer = peerOf(req);
    const whitelist = currentWhitelist();
    if (peer && whitelist && peer.hostnames.some((host) => whitelist.has(host))) {
      next();
      return;
    }
    res.socket?.destroy();
  };
}
