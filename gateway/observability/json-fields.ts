import { boundedMemo } from './bounded-memo.js';

/**
 * The JSON of a log object's fields when every value is a string, a number or a boolean: what the
 * lines written on every request hold (the access line, the audit records). Written the way pino
 * writes them (`,"key":value` per field, in the object's own order, undefined left out, a
 * non-finite number as null), so a line is the same bytes whether this or pino made it; pino's
 * generic path walks its serialisers, stringifiers and type switch for each field, which was most
 * of the cost of logging on the FHIR hot path.
 */
export function plainFieldsJson(fields: object): string | undefined {
  // A plain object (the lines of the hot path are object literals): its types are checked
  // without building anything, then JSON.stringify writes it in one go, the same bytes as the
  // field-by-field path below (V8's fast path for flat objects; the concatenation of three or four
  // pieces per field was the largest allocation of a FHIR request, about 5 KB of its lines).
  // Not for other prototypes: JSON.stringify would call an inherited toJSON that pino does not.
  const proto: unknown = Object.getPrototypeOf(fields);
  if (proto === Object.prototype || proto === null) return plainObjectJson(fields);
  return fieldByFieldJson(fields);
}

/** Own enumerable string keys in order, undefined left out, non-finite numbers as null: as pino. */
function plainObjectJson(fields: object): string | undefined {
  let any = false;
  for (const key in fields) {
    // for-in also walks inherited enumerable keys, which JSON.stringify does not: leave such
    // an object to the careful path.
    if (!Object.prototype.hasOwnProperty.call(fields, key)) return fieldByFieldJson(fields);
    const type = typeof (fields as Record<string, unknown>)[key];
    if (type === 'undefined') continue;
    if (type !== 'string' && type !== 'number' && type !== 'boolean') return undefined;
    any = true;
  }
  if (!any) return '';
  const json = JSON.stringify(fields);
  // `{"a":1,"b":"x"}` → `,"a":1,"b":"x"`
  return `,${json.slice(1, -1)}`;
}

function fieldByFieldJson(fields: object): string | undefined {
  let json = '';
  for (const key in fields) {
    if (!Object.prototype.hasOwnProperty.call(fields, key)) continue;
    const value: unknown = (fields as Record<string, unknown>)[key];
    switch (typeof value) {
      case 'undefined':
        continue;
      case 'string':
        json += `,${keyJson(key)}:${jsonString(value)}`;
        break;
      case 'number':
        json += `,${keyJson(key)}:${Number.isFinite(value) ? value : 'null'}`;
        break;
      case 'boolean':
        json += `,${keyJson(key)}:${value}`;
        break;
      default:
        // An object, null, a function, a bigint, a symbol: pino's own serialiser decides.
        return undefined;
    }
  }
  return json;
}

/**
 * What JSON.stringify must escape: control characters, the quote, the backslash, and lone
 * surrogates (a surrogate pair is escaped by nothing, but testing for it here costs less than
 * telling a pair from a lone one). Most values have none of these, and a test for them is half
 * the cost of JSON.stringify on this Node.
 */
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

export function jsonString(value: string): string {
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}

/** Field names come from code (a closed set): each is escaped once. */
const keyJson = boundedMemo(jsonString, 512);
