import { localToUtc, utcToLocalWall } from './local-time.js';

/**
 * @module The range a FHIR Period stands for, MP9 TimeInterval included.
 *
 * FHIR R4 §3.1.1.5.2: a Period is the range from its start to its end; a missing end means
 * "still going on" and a missing start "since always". Nictiz zib TimeInterval (MP9 3.0) adds the
 * `ext-TimeInterval.Duration` extension on the Period; the Nictiz SearchParameter `period-of-use`
 * (http://nictiz.nl/fhir/SearchParameter/period-of-use, Nictiz-R4-MedicationProcess) says servers
 * use "either Period.start AND Period.end or Period.start AND Duration or Period.end AND
 * Duration": a start and a Duration without an end end at start + Duration, an end and a
 * Duration without a start start at end − Duration. A Period that only has a Duration is not
 * placed in time and matches no date search. The same holds wherever MP9 puts a TimeInterval in a
 * Period (`effectivePeriod` of MedicationStatement and MedicationAdministration too).
 */
export const TIME_INTERVAL_DURATION = 'http://nictiz.nl/fhir/StructureDefinition/ext-TimeInterval.Duration';

export interface DateRange {
  readonly low: number;
  readonly high: number;
}

type ParseDate = (value: string) => DateRange | undefined;

/** UCUM time units (http://unitsofmeasure.org): fixed lengths, or calendar steps in local time. */
const FIXED_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, min: 60_000, h: 3_600_000 };
const CALENDAR: Readonly<Record<string, { readonly days?: number; readonly months?: number }>> = {
  d: { days: 1 },
  wk: { days: 7 },
  mo: { months: 1 },
  a: { months: 12 },
};

export interface Duration {
  readonly value: number;
  readonly code: string;
}

/** The Duration of a TimeInterval Period, or undefined when it has none or one we cannot read. */
export function durationOf(period: Record<string, unknown>): Duration | undefined {
  const ext = period['extension'];
  if (!Array.isArray(ext)) return undefined;
  for (const e of ext) {
    if (typeof e !== 'object' || e === null || (e as { url?: unknown }).url !== TIME_INTERVAL_DURATION) continue;
    const d = (e as { valueDuration?: unknown }).valueDuration;
    if (typeof d !== 'object' || d === null) return undefined;
    const { value, code, system } = d as { value?: unknown; code?: unknown; system?: unknown };
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || typeof code !== 'string') return undefined;
    if (system !== undefined && system !== 'http://unitsofmeasure.org') return undefined;
    if (FIXED_MS[code] === undefined && CALENDAR[code] === undefined) return undefined;
    return { value, code };
  }
  return undefined;
}

/**
 * `instant` moved by `sign` × the duration. Days, weeks, months and years are calendar steps in
 * Dutch local time (7 days from a local midnight end at a local midnight, across DST too);
 * fractions of a calendar unit are counted in whole days of 24 h.
 */
export function addDuration(instant: number, d: Duration, sign: 1 | -1): number {
  const fixed = FIXED_MS[d.code];
  if (fixed !== undefined) return instant + sign * d.value * fixed;
  const step = CALENDAR[d.code] ?? {};
  const whole = Math.trunc(d.value);
  const wall = new Date(utcToLocalWall(instant));
  if (step.days !== undefined) wall.setUTCDate(wall.getUTCDate() + sign * whole * step.days);
  if (step.months !== undefined) {
    // Calendar months: 31 January + 1 month is the end of February, not 2 March.
    const day = wall.getUTCDate();
    wall.setUTCDate(1);
    wall.setUTCMonth(wall.getUTCMonth() + sign * whole * step.months);
    const last = new Date(Date.UTC(wall.getUTCFullYear(), wall.getUTCMonth() + 1, 0)).getUTCDate();
    wall.setUTCDate(Math.min(day, last));
  }
  const fractionDays = (d.value - whole) * (step.days ?? (step.months ?? 0) * 30.4375);
  return localToUtc(wall.getTime()) + sign * Math.round(fractionDays * 86_400_000);
}

/** The range of a Period (with or without a TimeInterval Duration); undefined when it has no place in time or is malformed. */
export function periodRange(period: Record<string, unknown>, parseDate: ParseDate): DateRange | undefined {
  const { start: s, end: e } = period;
  const start = typeof s === 'string' ? parseDate(s) : undefined;
  const end = typeof e === 'string' ? parseDate(e) : undefined;
  if ((s !== undefined && !start) || (e !== undefined && !end)) return undefined;
  if (start && end) return { low: start.low, high: end.high };
  const duration = durationOf(period);
  if (start) return { low: start.low, high: duration ? addDuration(start.low, duration, 1) - 1 : Infinity };
  if (end) return { low: duration ? addDuration(end.high + 1, duration, -1) : -Infinity, high: end.high };
  return undefined;
}
