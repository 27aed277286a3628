import type { ServerResponse } from 'node:http';

/**
 * Ends whole answers together, once per turn of the event loop (issue 14).
 *
 * Under load one turn's poll phase reads many requests, and the core answers most of them before
 * that phase is over. Sending each answer the moment it is ready means one TLS write and one
 * send() per answer, interleaved with the reads still waiting; sending them together, in the
 * check phase right after the reads, averaged 8.9 answers per flush in a bench run of the search
 * and cost less CPU per search in alternating runs (figures in the README's Benchmarks). An answer
 * waits at most until the loop has read what had already arrived: never for a timer.
 *
 * The caller sets status and headers first (writeHead): from then on `headersSent` is true, so a
 * last-resort error handler destroys the socket instead of writing a second answer on top.
 */

/** More than this many waiting answers are sent at once: the turn's batch stays bounded. */
const MOST_WAITING = 64;

// Two parallel lists rather than one of pairs: no object is made per answer on the hot path.
let waiting: ServerResponse[] = [];
let bodies: Array<string | Buffer | undefined> = [];

/** Ends `res` with `body` at the end of this turn's reads, with every other answer ended this turn. */
export function endTogether(res: ServerResponse, body: string | Buffer | undefined): void {
  waiting.push(res);
  bodies.push(body);
  if (waiting.length >= MOST_WAITING) sendWaiting();
  // The first answer of a batch books its send; after a batch sent at the bound, a booking still
  // pending sends the next few early, which is harmless.
  else if (waiting.length === 1) setImmediate(sendWaiting);
}

function sendWaiting(): void {
  const responses = waiting;
  const chunks = bodies;
  waiting = [];
  bodies = [];
  for (let i = 0; i < responses.length; i++) {
    const res = responses[i]!;
    // The client went away while its answer waited: its 'close' already recorded that.
    if (res.destroyed || res.writableEnded) continue;
    try {
      res.end(chunks[i]);
    } catch {
      // One broken response must not keep the others' answers back; its client sees the connection end.
      res.destroy();
    }
  }
}
