import { Worker } from 'node:worker_threads';
import { fromListData, type ListData } from './list-data.js';
import { ListParseError } from './list-parse-error.js';
import type { ListParseOptions } from './read-list-document.js';
import type { ListKind, ListsByKind } from './types.js';
import { copiesOf, utf8Pieces } from './utf8-pieces.js';

/** Memory one parse may use; a document that needs more is refused, never the process's problem. */
const WORKER_HEAP_MB = 1024;

/** A list document: its text, and its UTF-8 bytes (in pieces) when the source kept them. */
export interface ListDocumentText {
  readonly xml: string;
  readonly utf8?: readonly Uint8Array[];
}

type WorkerAnswer =
  | { readonly ok: true; readonly data: ListData }
  | { readonly ok: false; readonly parseError?: { readonly list: ListKind | 'unknown'; readonly path: string; readonly reason: string }; readonly failure?: string };

/**
 * parseList in a worker thread (issue 9, finding 5: a valid 9 MB Whitelist stalled all traffic for
 * 6.5 s and took memory from 119 to 486 MB while xml2js built and checked its tree on the event
 * loop). Reading, validation and building happen in a fresh worker with its own bounded heap,
 * which exits afterwards; the main thread only rebuilds the lookup tables from plain data.
 * The document goes to the worker as UTF-8 bytes encoded a piece per turn and transferred, not as
 * workerData string: cloning a 9 MB string into the worker flattened and copied it in one
 * synchronous step of 10 to 15 ms (46 ms on a loaded machine), the longest the swap held the loop.
 * When the source kept the bytes it received (`utf8`), copies of those go instead, and `xml` is
 * not read (a source decodes it only on demand: list-source.ts).
 * Same errors as parseList: ListParseError for a bad document.
 */
export async function parseListOffThread<K extends ListKind>(kind: K, document: ListDocumentText, options: ListParseOptions = {}): Promise<ListsByKind[K]> {
  // The bytes as received when the source kept them (the text is then never decoded here), else encoded.
  const pieces = document.utf8 === undefined ? await utf8Pieces(document.xml) : await copiesOf(document.utf8);
  return inWorker(kind, pieces, options);
}

function inWorker<K extends ListKind>(kind: K, pieces: readonly Uint8Array[], options: ListParseOptions): Promise<ListsByKind[K]> {
  const here = import.meta.url;
  // From dist/ the entry is compiled JS; from the TypeScript sources (tests) a loader transpiles it.
  const fromSources = here.endsWith('.ts');
  const entry = new URL(fromSources ? './parse-worker.ts' : './parse-worker.js', here);
  const worker = new Worker(entry, {
    workerData: { kind, pieces, options },
    transferList: pieces.map((p) => p.buffer as ArrayBuffer),
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    execArgv: fromSources ? ['--import', new URL('./ts-worker-loader.mjs', here).href] : [],
    stdout: false,
    stderr: false,
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    worker.once('message', (answer: WorkerAnswer) => {
      settled = true;
      void worker.terminate();
      if (answer.ok) resolve(fromListData(answer.data) as ListsByKind[K]);
      else if (answer.parseError) reject(new ListParseError(answer.parseError.list, answer.parseError.path, answer.parseError.reason));
      else reject(new ListParseError(kind, '', `the list could not be parsed (${answer.failure ?? 'unknown error'})`));
    });
    worker.once('error', (err) => {
      if (settled) return;
      settled = true;
      reject(new ListParseError(kind, '', `the list could not be parsed (${err.message})`));
    });
    worker.once('exit', (code) => {
      if (!settled) {
        settled = true;
        reject(new ListParseError(kind, '', `the list parser stopped (exit code ${code})`));
      }
    });
  });
}
