/**
 * Value checks for list elements: the types and facets the MedMij XSDs declare, as recorded in
 * the digest §4.2 (and §2.1 for the URI types). Each returns the typed value or a reason that
 * never repeats the value itself.
 */
export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const bad = (reason: string): Checked<never> => ({ ok: false, reason });

/** Hostname type of the MedMij XSDs: lowercase labels, at least two, the last one at least two characters. */
const HOSTNAME = '(?:[a-z0-9][a-z0-9-]*\\.)+[a-z0-9][a-z0-9-]*[a-z0-9]';
const HOSTNAME_RE = new RegExp(`^${HOSTNAME}$`);
/** RFC 3986 pchar (unreserved, sub-delims, ':', '@', percent-encoded octets). */
const SEGMENT = "(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})+";
const FRONTCHANNEL_RE = new RegExp(`^https://(${HOSTNAME})((?:/${SEGMENT})*/?)$`);
const BACKCHANNEL_RE = new RegExp(`^https://(${HOSTNAME}|localhost)(?::([0-9]{1,5}))?((?:/${SEGMENT})*/?)$`);
const DEV_FRONTCHANNEL_RE = new RegExp(`^https://localhost(?::([0-9]{1,5}))?((?:/${SEGMENT})*/?)$`);

/**
 * Development exceptions, off unless the caller turns them on (never in production): the host
 * name `localhost` (one label, so outside the MedMij pattern) and a port on a frontchannel URI of
 * that host. Both can only ever point at the machine itself.
 */
export interface FacetOptions {
  readonly developmentExceptions: boolean;
}

/** xs:dateTime with seconds and a zone (`Tijdstempel`, at least 20 characters). Whitespace collapses as for every non-string XSD type. */
export function dateTimeWithZone(raw: string): Checked<Date> {
  const value = raw.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/.exec(value);
  if (!m) return bad('must be an xs:dateTime with seconds and a time zone');
  const [, y, mo, d, h, mi, s, , zh, zm] = m.map((part) => (part === undefined ? undefined : Number(part)));
  const daysInMonth = new Date(Date.UTC(y!, mo!, 0)).getUTCDate();
  const inRange =
    mo! >= 1 && mo! <= 12 && d! >= 1 && d! <= daysInMonth && h! <= 23 && mi! <= 59 && s! <= 59 &&
    (zh === undefined || (zh <= 14 && zm! <= 59 && (zh < 14 || zm === 0)));
  const date = new Date(value);
  if (!inRange || Number.isNaN(date.getTime())) return bad('is not a valid date and time');
  return ok(date);
}

/** xs:positiveInteger (`Volgnummer`, `MaximaleDuur`), limited to what a JavaScript number holds exactly. */
export function positiveInteger(raw: string): Checked<number> {
  const value = raw.trim();
  if (!/^\+?[0-9]+$/.test(value)) return bad('must be a positive integer');
  const n = Number(value.replace(/^\+/, ''));
  if (!Number.isSafeInteger(n)) return bad('is too large');
  if (n < 1) return bad('must be a positive integer');
  return ok(n);
}

export function hostname(options: FacetOptions): (raw: string) => Checked<string> {
  return (raw) => {
    if (options.developmentExceptions && raw === 'localhost') return ok(raw);
    // 253: the longest name DNS can carry (RFC 1035 §2.3.4); no certificate can name a longer one.
    if (raw.length > 253 || !HOSTNAME_RE.test(raw)) return bad('is not a lowercase host name as the MedMij hostname type requires');
    return ok(raw);
  };
}

/** Length in characters (XSD counts code points, not UTF-16 units). */
export function stringOfLength(min: number, max: number): (raw: string) => Checked<string> {
  return (raw) => {
    const length = [...raw].length;
    if (length < min || length > max) return bad(`must be ${min} to ${max} characters long`);
    return ok(raw);
  };
}

/** Frontchannel URI of the ZAL (authorization endpoint): https, lowercase host, path; no port, query or fragment (digest §2.1). */
export function frontchannelUri(options: FacetOptions): (raw: string) => Checked<string> {
  return (raw) => {
    if (FRONTCHANNEL_RE.test(raw)) return ok(raw);
    const dev = options.developmentExceptions ? DEV_FRONTCHANNEL_RE.exec(raw) : null;
    if (dev && validPort(dev[1])) return ok(raw);
    return bad('must be an https URI with a lowercase host and a path, without port, query or fragment');
  };
}

/**
 * Backchannel URI (token, resource, subscription endpoints): as a frontchannel URI but a port is
 * allowed (digest §2.1). A query or fragment is refused too: an endpoint base carrying one is
 * not something the digest shows, and a FHIR base URL cannot (our inference).
 */
export function backchannelUri(options: FacetOptions): (raw: string) => Checked<string> {
  return (raw) => {
    const m = BACKCHANNEL_RE.exec(raw);
    if (!m || (m[1] === 'localhost' && !options.developmentExceptions) || !validPort(m[2])) {
      return bad('must be an https URI with a lowercase host, an optional port and a path, without query or fragment');
    }
    return ok(raw);
  };
}

function validPort(port: string | undefined): boolean {
  return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
}

/** One of a fixed set of codes. */
export function oneOf<T extends string>(values: readonly T[]): (raw: string) => Checked<T> {
  return (raw) => ((values as readonly string[]).includes(raw) ? ok(raw as T) : bad(`must be one of ${values.join(', ')}`));
}

/** A value matching a pattern, described in words for the error. */
export function matching(pattern: RegExp, description: string): (raw: string) => Checked<string> {
  return (raw) => (pattern.test(raw) ? ok(raw) : bad(description));
}
