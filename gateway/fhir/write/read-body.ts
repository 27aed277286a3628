import type { Readable } from 'node:stream';
import { FhirError } from '../outcome.js';

/**
 * The request body, read whole up to `maxBytes` (a Delen batch is a handful of measurements; the
 * cap keeps one PGO from holding memory). Over the cap → 413 before the rest is read (RFC 9110
 * §15.5.14); a Content-Length above it is refused without reading at all.
 */
export function readBody(req: Readable, contentLength: string | undefined, maxBytes: number): Promise<Buffer> {
  const declared = Number(contentLength ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(tooLarge(maxBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err?: unknown): void => {
      if (done) return;
      done = true;
      req.off('data', onData);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        req.pause();
        finish(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => finish());
    req.once('error', () => finish(new FhirError(400, 'invalid', 'the request body could not be read', { reason: 'body_unreadable' })));
  });
}

function tooLarge(maxBytes: number): FhirError {
  return new FhirError(413, 'too-costly', `the request body exceeds ${maxBytes} bytes`, { reason: 'body_too_large' });
}
