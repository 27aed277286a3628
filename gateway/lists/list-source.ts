import { ErrorCodes, GatewayError } from '../errors.js';

/** What a source hands back: the raw document, or word that the one we hold is still current. */
export type ListFetchResult = { readonly xml: string; readonly etag?: string } | 'not-modified';

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

/** Strict UTF-8 decoding: MedMij lists are UTF-8 and a byte that is not is a broken document. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (error) {
    throw new ListFetchError('list is not valid UTF-8', { cause: error });
  }
}
