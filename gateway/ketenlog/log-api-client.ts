import { createHash } from 'node:crypto';
import https from 'node:https';

/**
 * @module The MedMij log API ("eagleeye", digest §6): one batch of records per POST, a JSON array,
 * over two-sided TLS with the gateway's own certificate. Production https://api.medmij.nl/eagleeye/v1/logs,
 * acceptance https://acc-api.medmij.nl/eagleeye/v1/logs; at most 60 MB / 62 914 560 characters per batch
 * (implementation guide ketenlogging).
 */
export interface LogApiClient {
  /** Resolves with the HTTP status; rejects on a network failure or the deadline. */
  send(records: readonly string[], ids: readonly string[]): Promise<number>;
  close(): void;
}

export interface HttpsLogApiOptions {
  readonly url: string;
  readonly cert: string;
  readonly key: string;
  /** Trust anchors for the API's server certificate; the system's when absent. */
  readonly ca?: string;
  readonly timeoutMs: number;
}

/** The same entries always give the same key, so a receiver can recognise a batch we re-send. */
export function batchKeyOf(ids: readonly string[]): string {
  return createHash('sha256').update(ids.join('\n')).digest('hex');
}

export function createHttpsLogApiClient(o: HttpsLogApiOptions): LogApiClient {
  const url = new URL(o.url);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 2, cert: o.cert, key: o.key, ...(o.ca ? { ca: o.ca } : {}), minVersion: 'TLSv1.2' });
  return {
    send(records, ids) {
      const body = `[${records.join(',')}]`;
      return new Promise<number>((resolve, reject) => {
        const req = https.request(
          url,
          {
            method: 'POST',
            agent,
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
              'idempotency-key': batchKeyOf(ids),
            },
            signal: AbortSignal.timeout(o.timeoutMs),
          },
          (res) => {
            // The answer's body is not needed; read and discard it (capped) so the socket is reused.
            let seen = 0;
            res.on('data', (chunk: Buffer) => {
              seen += chunk.length;
              if (seen > 65_536) res.destroy();
            });
            res.on('end', () => resolve(res.statusCode ?? 0));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    },
    close() {
      agent.destroy();
    },
  };
}
