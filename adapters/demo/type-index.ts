import type { Resource, SearchCriterion } from '../types.js';

/**
 * @module One patient's resources of one type in the demo EHR, indexed so that a search hands the
 * gateway's engine only plausible candidates instead of the whole compartment: by `code` and
 * `category` coding and, for Observation, by the `date` range (effective[x]). The engine
 * re-applies every criterion, so the index may only ever give a SUPERSET of the matches: dates
 * are widened by a day on each side (local time, partial dates), and a criterion the index does
 * not know exactly (modifiers, chains, a token without a code and a system) narrows nothing.
 */
const DAY_MS = 86_400_000;
const TOKEN_PARAMS = ['code', 'category'] as const;

interface Dated {
  readonly position: number;
  readonly start: number;
  readonly end: number;
}

export class TypeIndex {
  /** Visible resources in store order (the order a full scan would give). */
  readonly all: readonly Resource[];
  private readonly tokens = new Map<string, number[]>();
  private readonly byEnd: Dated[] = [];
  private readonly byStart: Dated[];

  constructor(resources: readonly Resource[]) {
    this.all = resources;
    resources.forEach((r, position) => {
      // Observation only: there `code`, `category` and `date` are the elements code, category and
      // effective[x] in STU3 and R4 alike (elsewhere a parameter named `code` may be another element).
      if (r.resourceType !== 'Observation') return;
      for (const param of TOKEN_PARAMS) {
        for (const key of tokenKeys(param, r)) {
          const list = this.tokens.get(key);
          if (list === undefined) this.tokens.set(key, [position]);
          else if (list.at(-1) !== position) list.push(position);
        }
      }
      const range = effectiveRange(r);
      if (range) this.byEnd.push({ position, ...range });
    });
    this.byStart = [...this.byEnd].sort((a, b) => a.start - b.start);
    this.byEnd.sort((a, b) => a.end - b.end);
  }

  /** A superset of the resources that can match all of `criteria`, in store order. */
  candidates(criteria: readonly SearchCriterion[]): readonly Resource[] {
    if (this.all[0]?.resourceType !== 'Observation') return this.all;
    let best: readonly number[] | undefined;
    for (const c of criteria) {
      const narrowed = this.narrow(c);
      if (narrowed !== undefined && (best === undefined || narrowed.length < best.length)) best = narrowed;
    }
    if (best === undefined || best.length === this.all.length) return this.all;
    return best.map((p) => this.all[p] as Resource);
  }

  /** Positions in ascending (store) order of a superset of what `c` can match; undefined: no narrowing. */
  private narrow(c: SearchCriterion): readonly number[] | undefined {
    if (c.kind === 'token' && (TOKEN_PARAMS as readonly string[]).includes(c.name)) {
      const lists: (readonly number[])[] = [];
      for (const alt of c.any) {
        if (alt.code === undefined && (alt.system === undefined || alt.system === '')) return undefined;
        // '' (no system) is looked up as "any system": a superset.
        lists.push(this.tokens.get(`${c.name}\u0000${alt.system || '*'}|${alt.code ?? '*'}`) ?? []);
      }
      // One alternative (the usual case) is its list as built: ascending, no copy and no sort.
      if (lists.length === 1) return lists[0];
      return [...new Set(lists.flat())].sort((a, b) => a - b);
    }
    if (c.kind === 'date' && c.name === 'date' && this.byEnd.length > 0 && c.any.length > 0) {
      // The widest window over the alternatives (OR); a prefix without a bound narrows nothing.
      let from = Infinity;
      let to = -Infinity;
      for (const alt of c.any) {
        const [f, t] = boundsOf(alt.prefix, alt.low, alt.high);
        from = Math.min(from, f);
        to = Math.max(to, t);
      }
      if (from === -Infinity && to === Infinity) return undefined;
      // Only Observations with an effective[x] can match a date criterion at all.
      const out: number[] = [];
      if (from !== -Infinity) {
        for (let i = firstAtLeast(this.byEnd, from - DAY_MS, (d) => d.end); i < this.byEnd.length; i++) {
          const d = this.byEnd[i] as Dated;
          if (d.start <= to + DAY_MS) out.push(d.position);
        }
      } else {
        for (const d of this.byStart) {
          if (d.start > to + DAY_MS) break;
          out.push(d.position);
        }
      }
      return out.sort((a, b) => a - b);
    }
    return undefined;
  }
}

/** [earliest end, latest start] a matching range may have for one alternative (FHIR search prefixes). */
function boundsOf(prefix: string, low: number, high: number): [number, number] {
  switch (prefix) {
    case 'eq':
      return [low, high];
    case 'ge':
      return [low, Infinity];
    case 'gt':
    case 'sa':
      return [high, Infinity];
    case 'le':
      return [-Infinity, high];
    case 'lt':
    case 'eb':
      return [-Infinity, low];
    default:
      return [-Infinity, Infinity];
  }
}

function firstAtLeast(sorted: readonly Dated[], value: number, key: (d: Dated) => number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(sorted[mid] as Dated) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function* tokenKeys(param: string, r: Resource): Generator<string> {
  const value = r[param];
  for (const concept of Array.isArray(value) ? value : [value]) {
    const codings = (concept as { coding?: unknown } | null)?.coding;
    if (!Array.isArray(codings)) continue;
    for (const coding of codings as Array<{ system?: unknown; code?: unknown }>) {
      const system = typeof coding?.system === 'string' && coding.system !== '' ? coding.system : undefined;
      const code = typeof coding?.code === 'string' ? coding.code : undefined;
      if (code !== undefined) yield `${param}\u0000*|${code}`;
      if (system !== undefined) yield `${param}\u0000${system}|*`;
      if (system !== undefined && code !== undefined) yield `${param}\u0000${system}|${code}`;
    }
  }
}

/** effective[x] as an instant range, widened later by a day; undefined when absent or unreadable. */
function effectiveRange(r: Resource): { start: number; end: number } | undefined {
  const period = r['effectivePeriod'] as { start?: unknown; end?: unknown } | undefined;
  if (period && typeof period === 'object') {
    const start = typeof period.start === 'string' ? rangeOf(period.start)?.start : -Infinity;
    const end = typeof period.end === 'string' ? rangeOf(period.end)?.end : Infinity;
    return start === undefined || end === undefined ? { start: -Infinity, end: Infinity } : { start, end };
  }
  const value = r['effectiveDateTime'] ?? r['effectiveInstant'];
  if (typeof value !== 'string') {
    // effectiveTiming (R4) or anything else under effective[x]: could be any time, the engine decides.
    return Object.keys(r).some((k) => k.startsWith('effective')) ? { start: -Infinity, end: Infinity } : undefined;
  }
  // An unreadable value is kept as "could be any time": the engine decides.
  return rangeOf(value) ?? { start: -Infinity, end: Infinity };
}

/** A FHIR date/dateTime/instant → the instants it may stand for (a partial date: its whole period). */
function rangeOf(value: string): { start: number; end: number } | undefined {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(value);
  if (!m) return undefined;
  const year = Number(m[1]);
  if (m[2] === undefined) return { start: Date.UTC(year, 0, 1), end: Date.UTC(year + 1, 0, 1) };
  const month = Number(m[2]) - 1;
  if (m[3] === undefined) return { start: Date.UTC(year, month, 1), end: Date.UTC(year, month + 1, 1) };
  const day = Number(m[3]);
  const exact = value.length > 10 ? Date.parse(value) : NaN;
  if (Number.isFinite(exact)) return { start: exact, end: exact };
  return { start: Date.UTC(year, month, day), end: Date.UTC(year, month, day + 1) };
}
