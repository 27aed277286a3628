import https from 'node:https';
import type { AddressInfo } from 'node:net';
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { PgoFlowError } from './pgo-flow-error.js';

export interface RedirectWait {
  /** The redirect_uri of the authorization request: only URLs on it are accepted. */
  readonly redirectUri: string;
  /** Where the pasted URL comes from (process.stdin in the CLI). */
  readonly input: Readable;
  /** Start an HTTPS server on 127.0.0.1:port with the PGO's own certificate. */
  readonly callback?: { readonly port: number; readonly cert: string; readonly key: string };
  /** Told where the callback server listens, and about pasted lines that are not the redirect. */
  readonly say: (line: string) => void;
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15 * 60_000;

function onRedirectUri(candidate: string, redirectUri: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(candidate.trim());
  } catch {
    return undefined;
  }
  const expected = new URL(redirectUri);
  return url.origin === expected.origin && url.pathname === expected.pathname ? url : undefined;
}

/**
 * The browser flow's end: the gateway redirects the Person's browser to the PGO's redirect_uri.
 * Whichever comes first is taken: the browser reaching the local callback server (when the PGO
 * host name resolves to this machine), or the final URL pasted from the address bar.
 */
export async function waitForRedirect(w: RedirectWait): Promise<URL> {
  const expectedPath = new URL(w.redirectUri).pathname;
  let server: https.Server | undefined;
  const lines = readline.createInterface({ input: w.input, terminal: false });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<URL>((resolve, reject) => {
      timer = setTimeout(() => reject(new PgoFlowError('no redirect arrived in time')), w.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      lines.on('line', (line) => {
        if (line.trim() === '') return;
        const url = onRedirectUri(line, w.redirectUri);
        if (url) resolve(url);
        else w.say(`that is not a URL on ${w.redirectUri}; paste the whole address from the browser`);
      });
      lines.on('close', () => reject(new PgoFlowError('stdin closed before the redirected URL was pasted')));
      if (w.callback) {
        server = https.createServer({ cert: w.callback.cert, key: w.callback.key }, (req, res) => {
          const url = new URL(req.url ?? '/', w.redirectUri);
          if (req.method !== 'GET' || url.pathname !== expectedPath) {
            res.writeHead(404).end();
            return;
          }
          res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end('The PGO client received the answer; you can close this window.\n');
          resolve(url);
        });
        server.on('error', (error) => reject(new PgoFlowError(`cannot start the callback server on 127.0.0.1:${w.callback?.port}: ${(error as NodeJS.ErrnoException).code ?? error.message}`)));
        server.listen(w.callback.port, '127.0.0.1', () => {
          const port = (server?.address() as AddressInfo).port;
          w.say(`waiting for the redirect on https://127.0.0.1:${port}${expectedPath}`);
        });
      }
    });
  } finally {
    clearTimeout(timer);
    lines.close();
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((r) => server!.close(() => r()));
    }
  }
}
