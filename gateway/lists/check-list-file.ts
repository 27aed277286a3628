import { createFileListSource } from './file-list-source.js';
import { formatList } from './format-list.js';
import { DEFAULT_MAX_LIST_BYTES } from './list-formats.js';
import { parseAnyList } from './parse-list.js';
import type { ListKind } from './types.js';

export type ListFileCheck =
  | { readonly ok: true; readonly kind: ListKind; readonly summary: string }
  | { readonly ok: false; readonly error: string };

export interface CheckListFileOptions {
  readonly maxBytes?: number;
  /** Accept the `localhost` development exceptions, as a development gateway would. */
  readonly developmentExceptions?: boolean;
}

/**
 * `medmij-gateway lists check <file>`: tells the list kind from the root element, validates it
 * exactly as the gateway would, and returns a summary or the reason it would be refused.
 */
export async function checkListFile(file: string, options: CheckListFileOptions = {}): Promise<ListFileCheck> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_LIST_BYTES;
  try {
    const fetched = await createFileListSource(file, { maxBytes }).fetch(AbortSignal.timeout(30_000));
    if (fetched === 'not-modified') return { ok: false, error: 'unexpected not-modified' };
    const list = parseAnyList(fetched.xml, { maxBytes, developmentExceptions: options.developmentExceptions === true });
    return { ok: true, kind: list.kind, summary: formatList(list) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
