import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { toListData, transferablesOf } from './list-data.js';
import { ListParseError } from './list-parse-error.js';
import { parseList } from './parse-list.js';
import type { ListParseOptions } from './read-list-document.js';
import type { ListKind } from './types.js';

/**
 * Worker-thread entry (parse-off-thread.ts): parses and validates one list document and posts the
 * result as plain data, or the ListParseError's fields. The document arrives as transferred UTF-8
 * pieces (parse-off-thread.ts says why). One document per worker, so whatever
 * memory a large list took is returned when the worker exits.
 */
lowerThisThreadsPriority();
const job = workerData as { readonly kind: ListKind; readonly pieces: readonly Uint8Array[]; readonly options: ListParseOptions };
try {
  // Streaming: a UTF-8 sequence may be split between two pieces (the source checked the bytes).
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const xml = job.pieces.map((piece) => decoder.decode(piece, { stream: true })).join('') + decoder.decode();
  const data = toListData(parseList(job.kind, xml, job.options));
  parentPort?.postMessage({ ok: true, data }, transferablesOf(data));
} catch (err) {
  if (err instanceof ListParseError) parentPort?.postMessage({ ok: false, parseError: { list: err.list, path: err.path, reason: err.reason } });
  else parentPort?.postMessage({ ok: false, failure: err instanceof Error ? `${err.name}: ${err.message}` : 'unknown error' });
}

/**
 * The parse is never urgent and the event loop always is: on a machine with few cores the worker
 * competed with it for a core (a 9 MB list is most of a second of CPU). On Linux, setpriority with
 * a thread id changes that one thread, so this worker runs at the lowest priority and the event
 * loop wins the core whenever both want it. Elsewhere (no /proc/thread-self) it stays as it is.
 */
function lowerThisThreadsPriority(): void {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isSafeInteger(threadId) && threadId > 0) setPriority(threadId, 19);
  } catch {
    // Not Linux, or not allowed: the parse still runs, at normal priority.
  }
}
