/**
 * @module Dutch wall-clock time → UTC instants.
 *
 * FHIR R4 §3.1.1.5.2 (search.html#date; STU3 the same): "where both search parameters and
 * resource element date times do not have time zones, the server's local time zone should be
 * assumed". A MedMij DVZA serves Dutch care providers, so a zone-less date or time is
 * Europe/Amsterdam local time: `2024-03-01` runs from 2024-02-29T23:00Z to 2024-03-01T23:00Z, and a
 * day across a DST change has 23 or 25 hours. The zone rules (DST, the 1940s) come from the ICU
 * data that ships with Node (Intl), not from a hand table.
 */
export const LOCAL_TIME_ZONE = 'Europe/Amsterdam';

const formatter = new Intl.DateTimeFormat('en-US', {
  timeZone: LOCAL_TIME_ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
});

/** Offsets only change on whole minutes in this zone's history; memoised per minute, bounded. */
const offsetCache = new Map<number, number>();
const MAX_CACHED = 50_000;
const DAY_MS = 86_400_000;

/** Local time minus UTC, in ms, at the UTC instant `utcMs`. */
export function localOffsetAt(utcMs: number): number {
  const minute = Math.floor(utcMs / 60_000);
  const hit = offsetCache.get(minute);
  if (hit !== undefined) return hit;
  const at = minute * 60_000;
  const f: Record<string, number> = {};
  for (const p of formatter.formatToParts(new Date(at))) if (p.type !== 'literal') f[p.type] = Number(p.value);
  const year = f['year'] ?? 1970;
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not.
  const wall = new Date(Date.UTC(2000, (f['month'] ?? 1) - 1, f['day'] ?? 1, f['hour'] ?? 0, f['minute'] ?? 0, f['second'] ?? 0));
  wall.setUTCFullYear(year);
  const offset = wall.getTime() - at;
  if (offsetCache.size >= MAX_CACHED) offsetCache.clear();
  offsetCache.set(minute, offset);
  return offset;
}

/**
 * The UTC instant of a local wall-clock time given as `Date.UTC(fields)`. In the spring gap
 * (02:00–03:00 does not exist) the time is read with the offset before the change, i.e. an hour
 * later in summer time; in the autumn overlap the later (winter-time) instant is taken.
 */
export function localToUtc(wallMs: number): number {
  // A day either side holds at most one change of offset; try every offset in force around it.
  const before = localOffsetAt(wallMs - DAY_MS);
  const candidates = [before, localOffsetAt(wallMs), localOffsetAt(wallMs + DAY_MS)];
  let found: number | undefined;
  for (const offset of candidates) {
    const utc = wallMs - offset;
    if (localOffsetAt(utc) === offset && (found === undefined || utc > found)) found = utc;
  }
  return found ?? wallMs - before;
}

/** The local calendar fields of a UTC instant (for calendar arithmetic in local time). */
export function utcToLocalWall(utcMs: number): number {
  return utcMs + localOffsetAt(utcMs);
}
