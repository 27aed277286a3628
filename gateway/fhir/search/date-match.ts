import { SearchParamError } from './search-param-error.js';
import { localToUtc } from './local-time.js';
import { periodRange, type DateRange } from './time-interval.js';

/**
 * @module Date search (FHIR R4 §3.1.1.5.2 search.html#date, prefixes §3.1.1.4.1; STU3 §2.21.1.5.2
 * the same). Every date is an implicit range set by its precision (`2024` is the whole year); a
 * Period is the range from start to end (time-interval.ts, with the MP9 Duration); the prefix
 * compares the search range with the element range. A date or time without a zone is Dutch local
 * time (local-time.ts), on both sides. Repeating the parameter means AND, a comma OR.
 */
export const DATE_PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'] as const;
export type DatePrefix = (typeof DATE_PREFIXES)[number];
export type { DateRange } from './time-interval.js';

export interface DateCriterion extends DateRange {
  readonly prefix: DatePrefix;
}

const DATE_RE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;
const PREFIX_RE = new RegExp(`^(${DATE_PREFIXES.join('|')})?(.*)$`);

/** `Date.UTC` without its 0–99 → 1900s mapping. */
function utc(year: number, month: number, day: number, h = 0, mi = 0, s = 0, ms = 0): number {
  const d = new Date(Date.UTC(2000, month, day, h, mi, s, ms));
  d.setUTCFullYear(year, month, day);
  return d.getTime();
}

/** The range a FHIR date, dateTime or instant stands for; undefined when it is not one. */
export function dateRange(value: string): DateRange | undefined {
  const m = DATE_RE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const year = Number(y);
  const month = mo === undefined ? undefined : Number(mo);
  const day = d === undefined ? undefined : Number(d);
  if (month !== undefined && (month < 1 || month > 12)) return undefined;
  if (day !== undefined && month !== undefined) {
    const daysInMonth = new Date(utc(year, month, 0)).getUTCDate();
    if (day < 1 || day > daysInMonth) return undefined;
  }
  if (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || (s !== undefined && Number(s) > 59))) return undefined;
  // Dates (no time) are local calendar periods: they start and end at local midnight.
  if (month === undefined) return { low: localToUtc(utc(year, 0, 1)), high: localToUtc(utc(year + 1, 0, 1)) - 1 };
  if (day === undefined) return { low: localToUtc(utc(year, month - 1, 1)), high: localToUtc(utc(year, month, 1)) - 1 };
  if (h === undefined) return { low: localToUtc(utc(year, month - 1, day)), high: localToUtc(utc(year, month - 1, day + 1)) - 1 };
  const ms = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  const wall = utc(year, month - 1, day, Number(h), Number(mi), s === undefined ? 0 : Number(s), ms);
  let base: number;
  if (tz === undefined) base = localToUtc(wall);
  else if (tz === 'Z') base = wall;
  else {
    const sign = tz.startsWith('-') ? -1 : 1;
    const offsetMin = Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6));
    if (offsetMin > 14 * 60) return undefined;
    base = wall - sign * offsetMin * 60_000;
  }
  if (s === undefined) return { low: base, high: base + 60_000 - 1 };
  if (frac === undefined) return { low: base, high: base + 999 };
  return { low: base, high: base };
}

/**
 * One date value as sent (`ge2024-03-01`, `2024`, `ap2024-06-01T10:00`). For `ap` the range is
 * widened by 10% of the distance between now and the value, the figure FHIR recommends
 * (§3.1.1.4.1), so `now` is part of the criterion and fixed when the request is parsed.
 */
export function parseDateValue(param: string, raw: string, now: number = Date.now()): DateCriterion {
  const m = PREFIX_RE.exec(raw);
  const prefix = (m?.[1] as DatePrefix | undefined) ?? 'eq';
  const rest = m?.[2] ?? '';
  if (/^[a-z]{2}/.test(rest)) throw new SearchParamError(param, `parameter "${param}" has an unknown prefix`);
  const range = dateRange(rest);
  if (!range) throw new SearchParamError(param, `parameter "${param}" is not a valid date (expected YYYY, YYYY-MM, YYYY-MM-DD or a dateTime)`);
  if (prefix !== 'ap') return { prefix, ...range };
  const middle = (range.low + range.high) / 2;
  const margin = Math.abs(now - middle) * 0.1;
  return { prefix, low: Math.floor(range.low - margin), high: Math.ceil(range.high + margin) };
}

/** The range an element value covers: a date/dateTime/instant string or a Period; otherwise undefined. */
export function rangeOf(value: unknown): DateRange | undefined {
  if (typeof value === 'string') return dateRange(value);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return periodRange(value as Record<string, unknown>, dateRange);
}

/** The prefix table of FHIR R4 §3.1.1.4.1, search range `c` against element range `r`. */
export function compareRange(c: DateCriterion, r: DateRange): boolean {
  const within = r.low >= c.low && r.high <= c.high;
  switch (c.prefix) {
    case 'eq':
      return within;
    case 'ne':
      return !within;
    case 'gt':
      return r.high > c.high;
    case 'lt':
      return r.low < c.low;
    case 'ge':
      return r.high >= c.low;
    case 'le':
      return r.low <= c.high;
    case 'sa':
      return r.low > c.high;
    case 'eb':
      return r.high < c.low;
    case 'ap':
      return r.low <= c.high && r.high >= c.low;
  }
}

/** One parameter occurrence: some value of the element satisfies the criterion. */
export function matchesDate(values: readonly unknown[], criterion: DateCriterion): boolean {
  return values.some((v) => {
    const r = rangeOf(v);
    return r !== undefined && compareRange(criterion, r);
  });
}
