import { SearchParamError } from './search-param-error.js';

/**
 * Date search (FHIR R4 §3.1.1.5.2 and the prefix table of §3.1.1.4.1; STU3 the same): every
 * date is an implicit range set by its precision (`2024` is the whole year), a Period is the
 * range from start to end (a missing end is open, i.e. still going on), and the prefix compares
 * the search range with the element range. Repeating the parameter means AND (two bounds make a
 * window). Times without a zone and plain dates are read as UTC.
 */
export type DatePrefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le';

export interface DateCriterion {
  readonly prefix: DatePrefix;
  readonly low: number;
  readonly high: number;
}

interface Range {
  readonly low: number;
  readonly high: number;
}

const DATE_RE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** The range a FHIR date, dateTime or instant stands for; undefined when it is not one. */
export function dateRange(value: string): Range | undefined {
  const m = DATE_RE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const year = Number(y);
  const month = mo === undefined ? undefined : Number(mo);
  const day = d === undefined ? undefined : Number(d);
  if (month !== undefined && (month < 1 || month > 12)) return undefined;
  if (day !== undefined && month !== undefined) {
    const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
    if (day < 1 || day > daysInMonth) return undefined;
  }
  if (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || (s !== undefined && Number(s) > 59))) return undefined;
  let offsetMs = 0;
  if (tz !== undefined && tz !== 'Z') {
    const sign = tz.startsWith('-') ? -1 : 1;
    offsetMs = sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6))) * 60_000;
  }
  if (month === undefined) return { low: Date.UTC(year, 0, 1), high: Date.UTC(year + 1, 0, 1) - 1 };
  if (day === undefined) return { low: Date.UTC(year, month - 1, 1), high: Date.UTC(year, month, 1) - 1 };
  if (h === undefined) return { low: Date.UTC(year, month - 1, day), high: Date.UTC(year, month - 1, day + 1) - 1 };
  const base = Date.UTC(year, month - 1, day, Number(h), Number(mi), s === undefined ? 0 : Number(s)) - offsetMs;
  if (s === undefined) return { low: base, high: base + 60_000 - 1 };
  if (frac === undefined) return { low: base, high: base + 999 };
  const ms = Number(frac.slice(0, 3).padEnd(3, '0'));
  return { low: base + ms, high: base + ms };
}

export function parseDateValue(param: string, raw: string): DateCriterion {
  const m = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(.*)$/.exec(raw);
  const prefix = m?.[1];
  const rest = m?.[2] ?? '';
  if (prefix === 'sa' || prefix === 'eb' || prefix === 'ap') {
    throw new SearchParamError(param, `prefix "${prefix}" is not supported on date parameter "${param}"`);
  }
  if (/^[a-z]{2}/.test(rest)) throw new SearchParamError(param, `parameter "${param}" has an unknown prefix`);
  const range = dateRange(rest);
  if (!range) throw new SearchParamError(param, `parameter "${param}" is not a valid date (expected YYYY, YYYY-MM, YYYY-MM-DD or a dateTime)`);
  return { prefix: (prefix as DatePrefix | undefined) ?? 'eq', ...range };
}

/** The range an element value covers: date/dateTime/instant strings, Period, or Timing-less nothing. */
export function rangeOf(value: unknown): Range | undefined {
  if (typeof value === 'string') return dateRange(value);
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as { start?: unknown; end?: unknown };
  if (v.start === undefined && v.end === undefined) return undefined;
  const start = typeof v.start === 'string' ? dateRange(v.start) : undefined;
  const end = typeof v.end === 'string' ? dateRange(v.end) : undefined;
  if ((v.start !== undefined && !start) || (v.end !== undefined && !end)) return undefined;
  return { low: start?.low ?? -Infinity, high: end?.high ?? Infinity };
}

function compare(c: DateCriterion, r: Range): boolean {
  switch (c.prefix) {
    case 'eq':
      return r.low >= c.low && r.high <= c.high;
    case 'ne':
      return !(r.low >= c.low && r.high <= c.high);
    case 'gt':
      return r.high > c.high;
    case 'lt':
      return r.low < c.low;
    case 'ge':
      return r.high >= c.low;
    case 'le':
      return r.low <= c.high;
  }
}

/** One parameter occurrence: some value of the element satisfies the criterion. */
export function matchesDate(values: readonly unknown[], criterion: DateCriterion): boolean {
  return values.some((v) => {
    const r = rangeOf(v);
    return r !== undefined && compare(criterion, r);
  });
}
