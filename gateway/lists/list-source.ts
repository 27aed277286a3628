import { ErrorCodes, GatewayError } from '../errors.js';

/**
 * What a source hands back: the raw document, or word that the one we hold is still current.
 * `utf8`, when given, is the document's bytes as received (in pieces): the worker and the store
 * take those, so the main thread never has to encode (and first flatten) the 9 MB string again.
 */
export type ListFetchResult = { readonly xml: string; readonly etag?: string; readonly utf8?: readonly Uint8Array[] } | 'not-modified';

/**
 * Where a list comes from. Returns raw XML only; parsing is someone else's job. `etag` is the
 * validator of the list currently in force: the manager passes it, not the source remembering the
 * last one it saw, so a 304 can never stand for a document we refused.
 */
export interface ListSource {
  /** For logs and status: a URL without credentials or query, or a file path. */
  readonly description: string;
  fetch(signal: AbortSignal, etag?: string): Promise<ListFetchResult>;
}

/** A list could not be fetched: I/O error, timeout, wrong status or type, too large. */
export class ListFetchError extends GatewayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.LIST_FETCH_FAILED, message, options);
    this.name = 'ListFetchError';
  }
}

/**
 * Strict UTF-8 decoding (MedMij lists are UTF-8 and a byte that is not is a broken document), fed
 * piece by piece as the bytes arrive. Why pieces: decoding a 9 MB list in one call held the event
 * loop for 10 to 40 ms (issue 9, finding 5); each piece of at most 1 MiB takes about a millisecond,
 * and the sources await I/O between pieces. A sequence split across two pieces is carried over.
 */
export class Utf8Collector {
  readonly #decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  readonly #pieces: Uint8Array[] = [];
  #text = '';

  push(bytes: Uint8Array): void {
    this.#text += this.#decode(() => this.#decoder.decode(bytes, { stream: true }));
    // A copy with a buffer of its own: sources reuse their read buffer, and these are transferred.
    this.#pieces.push(new Uint8Array(bytes)); // (Buffer#slice would share the memory)
  }

  /** The bytes pushed so far, as pushed (checked UTF-8 once finish() returned). */
  get utf8(): readonly Uint8Array[] {
    return this.#pieces;
  }

  /** The whole document; throws ListFetchError when it is not valid UTF-8 or ends inside a sequence. */
  finish(): string {
    return this.#text + this.#decode(() => this.#decoder.decode());
  }

  #decode(step: () => string): string {
    try {
      return step();
    } catch (error) {
      throw new ListFetchError('list is not valid UTF-8', { cause: error });
    }
  }
}

/** One-shot strict decoding of a small document (same rules as Utf8Collector). */
export function decodeUtf8(bytes: Uint8Array): string {
  const collector = new Utf8Collector();
  collector.push(bytes);
  return collector.finish();
}
