import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { fetchedDocument, ListFetchError, Utf8Collector, type ListFetchResult, type ListSource } from './list-source.js';

export interface HttpsListSourceOptions {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  /** Trust anchors for the list server (PEM); Node's defaults when absent. */
  readonly ca?: string | Buffer;
  /** Client certificate and key (PEM) for list servers that require mTLS (the Stelselnode may). */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
}

const XML_MEDIA_TYPES = new Set(['text/xml', 'application/xml']);

/**
 * A list fetched from the Stelselnode over HTTPS (digest §4.1). Fail closed at every step: only
 * https, certificate always verified, no redirects followed, a deadline on the whole exchange,
 * Content-Type text/xml or application/xml, no content coding, and a byte cap enforced while
 * the body streams in, so an oversized answer is cut off instead of buffered.
 * The Stelselnode is not on the Whitelist but counts as whitelisted (digest §4.1), so no
 * whitelist check before connecting.
 */
export function createHttpsListSource(url: string, options: HttpsListSourceOptions): ListSource {
  const target = new URL(url);
  if (target.protocol !== 'https:') throw new ListFetchError('lists are fetched over https only');
  if (target.username !== '' || target.password !== '') throw new ListFetchError('credentials in a list URL are refused');
  const description = `${target.origin}${target.pathname}`;

  return {
    description,
    fetch(signal: AbortSignal, etag?: string): Promise<ListFetchResult> {
      const timeout = AbortSignal.timeout(options.timeoutMs);
      const deadline = AbortSignal.any([signal, timeout]);
      return new Promise<ListFetchResult>((resolve, reject) => {
        let settled = false;
        const fail = (message: string, cause?: unknown) => {
          if (settled) return;
          settled = true;
          request.destroy();
          reject(new ListFetchError(`${description}: ${message}`, cause === undefined ? undefined : { cause }));
        };
        const request = https.request(
          target,
          {
            method: 'GET',
            agent: false,
            signal: deadline,
            minVersion: 'TLSv1.2',
            rejectUnauthorized: true,
            ...(options.ca === undefined ? {} : { ca: options.ca }),
            ...(options.cert === undefined ? {} : { cert: options.cert }),
            ...(options.key === undefined ? {} : { key: options.key }),
            headers: {
              accept: 'application/xml, text/xml',
              'accept-encoding': 'identity',
              ...(etag === undefined ? {} : { 'if-none-match': etag }),
            },
          },
          (response) => {
            const refusal = checkResponse(response, etag, options.maxBytes);
            if (refusal === 'not-modified') {
              settled = true;
              response.resume();
              resolve('not-modified');
              return;
            }
            if (refusal !== undefined) return fail(refusal);
            // Checked chunk by chunk as it streams in and decoded in the parsing worker (issue 9, finding 5).
            const text = new Utf8Collector();
            let received = 0;
            response.on('data', (chunk: Buffer) => {
              if (settled) return;
              received += chunk.length;
              if (received > options.maxBytes) return fail(`response exceeds the ${options.maxBytes}-byte cap`);
              try {
                text.push(chunk);
              } catch (error) {
                fail('response is not valid UTF-8', error);
              }
            });
            response.on('end', () => {
              if (settled) return;
              try {
                text.finish();
                settled = true;
                resolve(fetchedDocument(text, response.headers.etag));
              } catch (error) {
                fail('response is not valid UTF-8', error);
              }
            });
            response.on('error', (error) => fail('connection lost while reading the response', error));
            response.on('close', () => {
              if (!response.complete) fail('connection closed before the response was complete');
            });
          },
        );
        request.on('error', (error) => {
          if (timeout.aborted) fail(`timed out after ${options.timeoutMs} ms`, error);
          else if (signal.aborted) fail('fetch aborted', error);
          else fail(`request failed: ${(error as NodeJS.ErrnoException).code ?? error.message}`, error);
        });
        request.end();
      });
    },
  };
}

/** undefined when the body may be read; 'not-modified' on a valid 304; otherwise the reason to refuse. */
function checkResponse(response: IncomingMessage, etag: string | undefined, maxBytes: number): string | 'not-modified' | undefined {
  const status = response.statusCode ?? 0;
  if (status === 304 && etag !== undefined) return 'not-modified';
  if (status !== 200) return `unexpected HTTP status ${status}${status >= 300 && status < 400 ? ' (redirects are not followed)' : ''}`;
  const [mediaType = '', ...parameters] = (response.headers['content-type'] ?? '').split(';').map((p) => p.trim().toLowerCase());
  if (!XML_MEDIA_TYPES.has(mediaType)) return 'Content-Type must be text/xml or application/xml';
  const charset = parameters.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8') return 'only UTF-8 lists are accepted';
  const coding = response.headers['content-encoding'];
  if (coding !== undefined && coding.toLowerCase() !== 'identity') return 'content codings are not accepted';
  const declared = Number(response.headers['content-length'] ?? '0');
  if (declared > maxBytes) return `response exceeds the ${maxBytes}-byte cap (Content-Length)`;
  return undefined;
}
