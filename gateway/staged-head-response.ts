import { ServerResponse, type IncomingMessage, type OutgoingHttpHeader, type OutgoingHttpHeaders } from 'node:http';

/** A header list as node:http's writeHead takes it: name, value, name, value, … */
export type HeaderLines = ReadonlyArray<string | OutgoingHttpHeader>;

/** Header names as written in code, lower-cased once each (a closed set: constants). */
const lowerCased = new Map<string, string>();
const MOST_NAMES = 256;

function keyOf(name: string): string {
  let key = lowerCased.get(name);
  if (key === undefined) {
    key = name.toLowerCase();
    if (lowerCased.size < MOST_NAMES) lowerCased.set(name, key);
  }
  return key;
}

/** Header lines that are the same on every answer (the security headers), with their names looked up once. */
export class FixedHeaderLines {
  readonly lines: HeaderLines;
  readonly keys: ReadonlySet<string>;
  constructor(pairs: ReadonlyArray<readonly [string, OutgoingHttpHeader]>) {
    this.lines = pairs.flatMap(([name, value]) => [name, value]);
    this.keys = new Set(pairs.map(([name]) => name.toLowerCase()));
    if (this.keys.size !== pairs.length) throw new Error('FixedHeaderLines: a header name is given twice');
  }
}

/**
 * The node interface's response (issue 14): the headers of a lean-edge FHIR answer (the security
 * headers, the request id, the rate limit, the answer's own) are staged and written by one
 * writeHead as one list, instead of one setHeader each: setHeader keeps a lower-cased map of
 * [name, value] pairs that writeHead then walks, so the 18 headers a search sets cost about 4 µs
 * more per answer than the same list handed to writeHead (paired runs of two bare servers, in
 * the README's Benchmarks). The bytes on the wire are the same.
 *
 * As with setHeader, a name is written once: a name staged again replaces the earlier value, a
 * staged name replaces the same fixed one (a document's own X-Content-Type-Options, say), names
 * compared without case. Nothing staged can be left out: every way the head is written
 * (writeHead, and end(), write() and flushHeaders(), which call it) writes what was staged; a
 * header also set with setHeader or given to writeHead keeps that value.
 *
 * Express gives the responses it handles its own prototype, so on the Express path nothing of
 * this class is used: `stageHeader` falls back to setHeader there.
 */
export class StagedHeadResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> {
  #fixed: FixedHeaderLines | undefined;
  /** Triples: lower-cased name, name, value. */
  #staged: Array<string | OutgoingHttpHeader> | undefined;

  stageFixed(fixed: FixedHeaderLines): void {
    this.#fixed = fixed;
  }

  stage(name: string, value: OutgoingHttpHeader): void {
    const key = keyOf(name);
    const staged = (this.#staged ??= []);
    for (let i = 0; i < staged.length; i += 3) {
      if (staged[i] === key) {
        staged[i + 1] = name;
        staged[i + 2] = value;
        return;
      }
    }
    staged.push(key, name, value);
  }

  override writeHead(statusCode: number, reasonOrHeaders?: string | OutgoingHttpHeaders | OutgoingHttpHeader[], headers?: OutgoingHttpHeaders | OutgoingHttpHeader[]): this {
    const fixed = this.#fixed;
    const staged = this.#staged;
    const reason = typeof reasonOrHeaders === 'string' ? reasonOrHeaders : undefined;
    const given = reason === undefined ? (reasonOrHeaders as OutgoingHttpHeaders | OutgoingHttpHeader[] | undefined) : headers;
    if (fixed !== undefined || staged !== undefined) {
      this.#fixed = undefined;
      this.#staged = undefined;
      if (given === undefined && this.getHeaderNames().length === 0) {
        // The one list: node:http writes an array handed to writeHead as it stands.
        const lines = oneList(fixed, staged);
        return reason === undefined ? super.writeHead(statusCode, lines) : super.writeHead(statusCode, reason, lines);
      }
      // Headers set or given too: the staged ones join them where the name is not taken.
      const givenKeys = given === undefined ? undefined : namesGiven(given);
      const join = (name: string, value: OutgoingHttpHeader): void => {
        if (!this.hasHeader(name) && !givenKeys?.has(name.toLowerCase())) this.setHeader(name, value);
      };
      if (staged !== undefined) for (let i = 0; i < staged.length; i += 3) join(staged[i + 1] as string, staged[i + 2]!);
      if (fixed !== undefined) for (let i = 0; i < fixed.lines.length; i += 2) join(fixed.lines[i] as string, fixed.lines[i + 1]!);
    }
    // node:http reads its arguments by count and type: pass them on as they came.
    if (reason !== undefined) return super.writeHead(statusCode, reason, headers);
    return given === undefined ? super.writeHead(statusCode) : super.writeHead(statusCode, given);
  }
}

/** The fixed lines (less those a staged name replaces), then the staged ones. */
function oneList(fixed: FixedHeaderLines | undefined, staged: ReadonlyArray<string | OutgoingHttpHeader> | undefined): OutgoingHttpHeader[] {
  const lines: OutgoingHttpHeader[] = [];
  if (fixed !== undefined) {
    let replaced: Set<string> | undefined;
    if (staged !== undefined) for (let i = 0; i < staged.length; i += 3) if (fixed.keys.has(staged[i] as string)) (replaced ??= new Set()).add(staged[i] as string);
    for (let i = 0; i < fixed.lines.length; i += 2) {
      const name = fixed.lines[i] as string;
      if (replaced !== undefined && replaced.has(keyOf(name))) continue;
      lines.push(name, fixed.lines[i + 1]!);
    }
  }
  if (staged !== undefined) for (let i = 0; i < staged.length; i += 3) lines.push(staged[i + 1]!, staged[i + 2]!);
  return lines;
}

/** The lower-cased names of headers handed to writeHead (an object, a flat list or a list of pairs). */
function namesGiven(given: OutgoingHttpHeaders | OutgoingHttpHeader[]): Set<string> {
  if (!Array.isArray(given)) return new Set(Object.keys(given).map((name) => name.toLowerCase()));
  if (given.length > 0 && Array.isArray(given[0])) return new Set((given as unknown as Array<[string, unknown]>).map(([name]) => name.toLowerCase()));
  const names = new Set<string>();
  for (let i = 0; i < given.length; i += 2) names.add(String(given[i]).toLowerCase());
  return names;
}

/** Stages the fixed lines on a lean-edge response; sets each on any other (an Express response, a plain one). */
export function stageFixedHeaders(res: ServerResponse, fixed: FixedHeaderLines): void {
  if (res instanceof StagedHeadResponse) {
    res.stageFixed(fixed);
    return;
  }
  for (let i = 0; i < fixed.lines.length; i += 2) res.setHeader(fixed.lines[i] as string, fixed.lines[i + 1]!);
}

/** Stages a header on a lean-edge response; sets it on any other (an Express response, a plain one). */
export function stageHeader(res: ServerResponse, name: string, value: OutgoingHttpHeader): void {
  if (res instanceof StagedHeadResponse) res.stage(name, value);
  else res.setHeader(name, value);
}
