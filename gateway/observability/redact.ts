import { boundedMemo } from './bounded-memo.js';

/**
 * The log's safety net for credentials and patient identifiers (house rule 6: code must not log
 * them in the first place). A key in NESTED_KEYS is censored at any depth below the top, and at
 * the top too except `code` and `token` (usable there as field names, e.g. an error code). One walk over the keys of the logged object, and a copy only of the objects on the
 * path to something censored: a line with nothing to censor costs a few key look-ups and no
 * allocation, where pino's wildcard redaction re-serialised every top-level value of every line.
 */
export const CENSOR = '[redacted]';

const NESTED_KEYS: ReadonlySet<string> = new Set([
  'authorization',
  'cookie',
  'set-cookie',
  'access_token',
  'refresh_token',
  'id_token',
  'code',
  'code_verifier',
  'token',
  'bsn',
  'password',
  'client_secret',
]);
/** `code` and `token` name other things at the top of a line (an error code, a token kind). */
const TOP_KEYS: ReadonlySet<string> = new Set([...NESTED_KEYS].filter((k) => k !== 'code' && k !== 'token'));

/** Deeper than any log object of ours; past it a value is censored whole rather than walked. */
const MAX_DEPTH = 8;

export function redactLogObject<T extends object>(obj: T): T {
  return redactObject(obj, TOP_KEYS, 0) as T;
}

function redactObject(obj: object, keys: ReadonlySet<string>, depth: number): unknown {
  if (depth > MAX_DEPTH) return CENSOR;
  if (Array.isArray(obj)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < obj.length; i++) {
      const value: unknown = obj[i];
      if (typeof value !== 'object' || value === null) continue;
      const redacted = redactObject(value, NESTED_KEYS, depth + 1);
      if (redacted !== value) {
        copy ??= obj.slice();
        copy[i] = redacted;
      }
    }
    return copy ?? obj;
  }
  let copy: Record<string, unknown> | undefined;
  for (const key in obj) {
    if (!Object.prototype.hasOwnProperty.call(obj, key)) continue;
    const value: unknown = (obj as Record<string, unknown>)[key];
    let replacement: unknown = value;
    if (keys.has(lowerKey(key))) {
      if (value !== undefined && value !== CENSOR) replacement = CENSOR;
    } else if (typeof value === 'object' && value !== null && !(value instanceof Date) && !Buffer.isBuffer(value)) {
      replacement = redactObject(value, NESTED_KEYS, depth + 1);
    }
    if (replacement !== value) {
      copy ??= copyOf(obj);
      copy[key] = replacement;
    }
  }
  return copy ?? obj;
}

/**
 * A field name in lower case. Names come from code, a closed set (bounded all the same): each is
 * lowered once, not on every line (a new string per capitalised name per line, issue 14).
 */
const lowerKey = boundedMemo((key) => key.toLowerCase(), 1024);

/** A plain copy of the own enumerable properties; an Error keeps what pino's serializer prints. */
function copyOf(obj: object): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...obj };
  if (obj instanceof Error) {
    copy['type'] ??= obj.name;
    copy['message'] ??= obj.message;
    if (obj.stack !== undefined) copy['stack'] ??= obj.stack;
  }
  return copy;
}
