import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { X509Certificate } from 'node:crypto';
import { certificateOf, type PeerIdentity } from './peer-identity.js';

// Identities are attached where they were established: to the TLS socket by the guard (every
// request on that connection shares it), or to one request by the trusted-proxy middleware.
// WeakMaps, so nothing outlives its connection.
const bySocket = new WeakMap<Socket, PeerIdentity>();
const byRequest = new WeakMap<IncomingMessage, PeerIdentity>();

export function rememberSocketPeer(socket: Socket, identity: PeerIdentity): void {
  bySocket.set(socket, identity);
}

export function rememberRequestPeer(req: IncomingMessage, identity: PeerIdentity): void {
  byRequest.set(req, identity);
}

/**
 * The checked peer of a node-interface request, or undefined when no guard vouched for one
 * (then the caller must refuse: deny by default). OAuth and FHIR code use it for
 * certificate-bound tokens (RFC 8705) and audit.
 */
export function peerOf(req: IncomingMessage): PeerIdentity | undefined {
  return byRequest.get(req) ?? bySocket.get(req.socket);
}

/** The client certificate behind peerOf(req): what RFC 8705 binds codes' tokens to. */
export function peerCertificateOf(req: IncomingMessage): X509Certificate | undefined {
  const identity = peerOf(req);
  return identity === undefined ? undefined : certificateOf(identity);
}
