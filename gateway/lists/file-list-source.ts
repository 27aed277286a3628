import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { decodeUtf8, ListFetchError, type ListFetchResult, type ListSource } from './list-source.js';

export interface FileListSourceOptions {
  readonly maxBytes: number;
}

/**
 * A list read from disk (development, tests, air-gapped installs fed by a separate download job).
 * The ETag is a hash of the bytes, so an unchanged file reads as 'not-modified' like a 304 would.
 */
export function createFileListSource(file: string, options: FileListSourceOptions): ListSource {
  return {
    description: file,
    async fetch(signal: AbortSignal, etag?: string): Promise<ListFetchResult> {
      signal.throwIfAborted();
      const bytes = await readCapped(file, options.maxBytes, signal);
      const digest = `"sha256-${createHash('sha256').update(bytes).digest('base64url')}"`;
      if (etag === digest) return 'not-modified';
      return { xml: decodeUtf8(bytes), etag: digest };
    },
  };
}

async function readCapped(file: string, maxBytes: number, signal: AbortSignal): Promise<Buffer> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new ListFetchError(`cannot open list file: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { cause: error });
  }
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw new ListFetchError(`list file exceeds the ${maxBytes}-byte cap`);
    // Read at most one byte past the cap, in case the file grows between stat and read.
    const buffer = Buffer.alloc(Math.min(size, maxBytes) + 1);
    let length = 0;
    while (length < buffer.length) {
      signal.throwIfAborted();
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) throw new ListFetchError(`list file exceeds the ${maxBytes}-byte cap`);
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}
