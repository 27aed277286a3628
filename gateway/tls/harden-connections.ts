import type { Server as HttpsServer } from 'node:https';
import type { Server as TlsServer, TLSSocket } from 'node:tls';

/**
 * For a listener without the whitelist guard (the patient interface): refuse renegotiation on
 * every connection (NCSC 2.1). guardConnections does the same on the node interface.
 */
export function hardenConnections(server: TlsServer | HttpsServer): void {
  server.prependListener('secureConnection', (socket: TLSSocket) => socket.disableRenegotiation());
}
