import { isUtf8 } from 'node:buffer';
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
 * Strict UTF-8 checking (MedMij lists are UTF-8 and a byte that is not is a broken document), fed
 * piece by piece as the bytes arrive, without decoding them on the event loop: the worker that
 * parses the list decodes (parse-worker.ts). Why: decoding a 9 MB list in one call held the event
 * loop for 10 to 40 ms, and even a piece at a time it cost 2 to 4 ms of CPU per MiB (issue 9,
 * finding 5); buffer.isUtf8 checks a MiB in a small fraction of that. A sequence split across two
 * pieces is checked on its own, from the bytes at the end of one piece and the start of the next.
 */
export class Utf8Collector {
  readonly #pieces: Uint8Array[] = [];
  /** The start of a sequence the last piece ended inside (at most three bytes). */
  #carry: Uint8Array = new Uint8Array(0);
  #text: string | undefined;

  push(bytes: Uint8Array): void {
    // A copy with a buffer of its own: sources reuse their read buffer, and these are transferred.
    const piece = new Uint8Array(bytes); // (Buffer#slice would share the memory)
    if (piece.length === 0) return;
    let from = 0;
    if (this.#carry.length > 0) {
      // The continuation bytes that finish the carried sequence (it needs at most three).
      while (from < piece.length && from < 3 && isContinuation(piece[from] ?? 0)) from++;
      const sequence = new Uint8Array(this.#carry.length + from);
      sequence.set(this.#carry);
      sequence.set(piece.subarray(0, from), this.#carry.length);
      if (from === piece.length && sequence.length < sequenceLength(sequence[0] ?? 0)) {
        // A piece shorter than the rest of the sequence: it goes on in the next one.
        this.#carry = sequence;
        this.#pieces.push(piece);
        return;
      }
      if (!isUtf8(sequence)) throw notUtf8();
    }
    const end = completeEnd(piece);
    if (!isUtf8(piece.subarray(from, end))) throw notUtf8();
    this.#carry = piece.slice(end);
    this.#pieces.push(piece);
  }

  /** The bytes pushed so far, as pushed (checked UTF-8 once finish() returned). */
  get utf8(): readonly Uint8Array[] {
    return this.#pieces;
  }

  /** Throws ListFetchError when the document ends inside a UTF-8 sequence. */
  finish(): void {
    if (this.#carry.length > 0) throw notUtf8();
  }

  /** The whole document as text: decoded only when someone asks (the CLI, tests), once. */
  get text(): string {
    if (this.#text === undefined) {
      const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
      this.#text = this.#pieces.map((piece) => decoder.decode(piece, { stream: true })).join('') + decoder.decode();
    }
    return this.#text;
  }
}

/** What a byte source hands back: `xml` is decoded from the bytes only when read. */
export function fetchedDocument(collector: Utf8Collector, etag: string | undefined): Exclude<ListFetchResult, 'not-modified'> {
  const document = {
    get xml(): string {
      return collector.text;
    },
    utf8: collector.utf8,
  };
  return etag === undefined ? document : Object.defineProperty(document, 'etag', { value: etag, enumerable: true });
}

const isContinuation = (byte: number): boolean => (byte & 0xc0) === 0x80;

/** Where the trailing, possibly incomplete sequence of a piece starts (the piece's length when none is). */
function completeEnd(piece: Uint8Array): number {
  // Look back past at most three continuation bytes for the lead byte of the last sequence.
  let lead = piece.length - 1;
  while (lead >= 0 && lead > piece.length - 4 && isContinuation(piece[lead] ?? 0)) lead--;
  if (lead < 0) return piece.length;
  return lead + sequenceLength(piece[lead] ?? 0) > piece.length ? lead : piece.length;
}

/** The length a lead byte announces (1 for anything else: isUtf8 judges it). */
const sequenceLength = (lead: number): number => (lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1);

const notUtf8 = (): ListFetchError => new ListFetchError('list is not valid UTF-8');

/** One-shot strict decoding of a small document (same rules as Utf8Collector). */
export function decodeUtf8(bytes: Uint8Array): string {
  const collector = new Utf8Collector();
  collector.push(bytes);
  collector.finish();
  return collector.text;
}
