import { setImmediate as nextTurn } from 'node:timers/promises';

/** UTF-16 code units encoded per turn of the event loop (about a millisecond each). */
const PIECE_CHARS = 1024 * 1024;

/**
 * A (large) string as UTF-8, one piece per turn of the event loop, so that encoding a 9 MB list
 * never holds the loop for more than about a millisecond (issue 9, finding 5). A piece never ends
 * between the two halves of a surrogate pair, so each piece is valid UTF-8 on its own.
 */
export async function utf8Pieces(text: string): Promise<Uint8Array[]> {
  const encoder = new TextEncoder();
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < text.length; ) {
    let end = Math.min(at + PIECE_CHARS, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end++;
    pieces.push(encoder.encode(text.slice(at, end)));
    at = end;
    if (at < text.length) await nextTurn();
  }
  return pieces;
}

/** Bytes copied per turn of the event loop. */
const COPY_BYTES = 1024 * 1024;

/** Copies of the pieces, about 1 MiB per turn, each with a buffer of its own (to transfer, keeping the originals). */
export async function copiesOf(pieces: readonly Uint8Array[]): Promise<Uint8Array[]> {
  const copies: Uint8Array[] = [];
  let sinceTurn = 0;
  for (const piece of pieces) {
    copies.push(new Uint8Array(piece)); // a copy; Buffer#slice would share the memory
    sinceTurn += piece.length;
    if (sinceTurn >= COPY_BYTES) {
      sinceTurn = 0;
      await nextTurn();
    }
  }
  return copies;
}

/** The pieces joined into one buffer, about 1 MiB copied per turn. */
export async function joined(pieces: readonly Uint8Array[]): Promise<Uint8Array> {
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  let sinceTurn = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
    sinceTurn += piece.length;
    if (sinceTurn >= COPY_BYTES) {
      sinceTurn = 0;
      await nextTurn();
    }
  }
  return out;
}
