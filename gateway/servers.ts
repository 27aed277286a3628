import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts listening and resolves with the port actually bound (port 0 in tests picks a free one). */
export function listenOn(server: HttpServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Graceful stop: refuse new connections, let requests in flight finish, close idle keep-alive
 * connections at once, and cut whatever is still open when the grace period ends.
 */
export async function closeGracefully(server: HttpServer, graceMs: number): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  timer.unref();
  await closed;
  clearTimeout(timer);
}
