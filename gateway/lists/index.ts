/** The MedMij lists (digest §4): typed values, strict parsers, sources, and the manager that keeps them current. */
export type * from './types.js';
export { LIST_FORMATS, LIST_KINDS, DEFAULT_MAX_LIST_BYTES } from './list-formats.js';
export { ListParseError } from './list-parse-error.js';
export type { ListParseOptions } from './read-list-document.js';
export { parseWhitelist } from './parse-whitelist.js';
export { parseOAuthClientList } from './parse-oauth-client-list.js';
export { parseZorgaanbiederslijst } from './parse-zorgaanbiederslijst.js';
export { parseGegevensdienstnamenlijst } from './parse-gegevensdienstnamenlijst.js';
export { parseList, parseAnyList } from './parse-list.js';
export { ListFetchError, type ListSource, type ListFetchResult } from './list-source.js';
export { createFileListSource, type FileListSourceOptions } from './file-list-source.js';
export { createHttpsListSource, type HttpsListSourceOptions } from './https-list-source.js';
export { createListSource } from './create-list-source.js';
export { listCacheKey, type StoredList } from './list-cache.js';
export { createListManager, type ListManager, type ListManagerDeps, type ListStatus, type RefreshOutcome, type ListChange } from './list-manager.js';
export { formatList } from './format-list.js';
export { checkListFile, type ListFileCheck, type CheckListFileOptions } from './check-list-file.js';
