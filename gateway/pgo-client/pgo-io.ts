import type { Readable } from 'node:stream';

/** Where the client writes and reads; the CLI passes the process streams, tests their own. */
export interface PgoIo {
  /** The summary, or the raw Bundles with --raw. */
  readonly out: (text: string) => void;
  /** Progress and errors. */
  readonly err: (text: string) => void;
  /** The pasted redirect URL in the browser flow. */
  readonly input: Readable;
}
