import type { ValueType } from './mapping-schema.js';

/**
 * Turns one raw legacy value into a FHIR JSON primitive of the declared type, or throws an Error
 * whose message says what was expected (never the value itself: it may be patient data).
 */
const FHIR_DATE = /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/;
const FHIR_DATE_TIME =
  /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00)))?)?)?$/;
/** PostgreSQL's text form of timestamptz: `2024-05-01 09:30:00+02` or `…+05:30`. */
const PG_TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2})(?::?(\d{2}))?$/;

export function convertValue(raw: unknown, type: ValueType): unknown {
  switch (type) {
    case 'string':
      return scalarText(raw);
    case 'code': {
      const s = scalarText(raw).trim();
      if (!/^[^\s]+(\s[^\s]+)*$/.test(s)) throw new Error('expected a code');
      return s;
    }
    case 'integer': {
      const n = typeof raw === 'number' ? raw : /^-?\d{1,15}$/.test(scalarText(raw).trim()) ? Number(scalarText(raw)) : NaN;
      if (!Number.isSafeInteger(n)) throw new Error('expected an integer');
      return n;
    }
    case 'decimal': {
      const n = typeof raw === 'number' ? raw : /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(scalarText(raw).trim()) ? Number(scalarText(raw)) : NaN;
      if (!Number.isFinite(n)) throw new Error('expected a decimal');
      return n;
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      const s = scalarText(raw).trim().toLowerCase();
      if (s === 'true' || s === '1' || s === 't') return true;
      if (s === 'false' || s === '0' || s === 'f') return false;
      throw new Error('expected a boolean');
    }
    case 'date': {
      const s = raw instanceof Date ? raw.toISOString().slice(0, 10) : scalarText(raw).trim();
      if (!FHIR_DATE.test(s)) throw new Error('expected a date (YYYY, YYYY-MM or YYYY-MM-DD)');
      return s;
    }
    case 'dateTime': {
      if (raw instanceof Date) {
        if (Number.isNaN(raw.getTime())) throw new Error('expected a dateTime');
        return raw.toISOString();
      }
      let s = scalarText(raw).trim();
      const pg = PG_TIMESTAMP.exec(s);
      if (pg) s = `${pg[1]}T${pg[2]}${pg[3] === 'Z' ? 'Z' : `${pg[3]}:${pg[4] ?? '00'}`}`;
      if (!FHIR_DATE_TIME.test(s)) throw new Error('expected a dateTime with a time zone');
      return s;
    }
    case 'json': {
      const v = typeof raw === 'string' ? parseJson(raw) : raw;
      if (typeof v !== 'object' || v === null) throw new Error('expected a JSON object or list');
      return structuredClone(v);
    }
  }
}

function scalarText(raw: unknown): string {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' || typeof raw === 'bigint') return String(raw);
  if (typeof raw === 'boolean') return raw ? 'true' : 'false';
  throw new Error('expected a text value');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error('expected JSON text');
  }
}
