import type { AuditLog } from '../observability/index.js';
import { peerHostOf, type PeerIdentity } from './peer-identity.js';
import type { RefusalReason } from './judge-peer.js';

/** One audit shape for every refused node-interface peer, direct or through the proxy. */
export function recordRefusal(
  audit: AuditLog,
  reason: RefusalReason,
  peer: { identity?: PeerIdentity | undefined; address?: string | undefined; detail?: string | undefined },
): void {
  const peerHost = peerHostOf(peer.identity);
  audit.record({
    type: 'tls_connection_refused',
    outcome: 'refused',
    reason,
    ...(peerHost === undefined ? {} : { peerHost }),
    ...(peer.address === undefined ? {} : { peerAddress: peer.address }),
    ...(peer.detail === undefined ? {} : { detail: peer.detail }),
  });
}
