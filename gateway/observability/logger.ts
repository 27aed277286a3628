import { pino, type Logger, type DestinationStream } from 'pino';
import { plainFieldsJson } from './json-fields.js';
import { redactLogObject } from './redact.js';

export type { Logger };

export interface LoggerOptions {
  readonly level: string;
  readonly name?: string;
  /** Defaults to stdout; tests pass a stream to capture lines. */
  readonly destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const logger = pino(
    {
      name: options.name ?? 'medmij-gateway',
      level: options.level,
      base: { pid: process.pid },
      timestamp: isoTimeField,
      formatters: {
        level: (label) => ({ level: label }),
        // Credentials and patient identifiers never reach a line (redact.ts).
        log: redactLogObject,
      },
    },
    options.destination ?? logDestination('stdout'),
  );
  // What a child logger binds is serialised once, when it is made: censor it there, and make it
  // only when the child is first used. Most requests' child loggers never write a line, and
  // making one (serialising its bindings) was 2-4 % of a FHIR search in the bench's profile.
  // pino makes children with Object.create(parent), so every descendant inherits this `child`.
  const makeChild = logger.child;
  logger.child = function child(this: Logger, bindings: Record<string, unknown>, childOptions?: object) {
    const parent = this;
    const safe = redactLogObject(bindings);
    return deferredLogger(() => makeChild.call(parent, safe, childOptions) as unknown as Logger);
  } as unknown as Logger['child'];
  return logger;
}

/**
 * A Logger that is `make()`'s logger in every respect, made on first use (once). For the objects
 * of every request that carry a logger most requests never use (the core request, the adapter
 * context): a plain data property holding this, not a `get log()` in an object literal. Such a
 * getter is a new function per object, so V8 gives every object a map (hidden class) of its own;
 * maps live in the old generation, and each held its request's closure, and through it the whole
 * request, alive across young-generation collections. Issue 14: about 15 % of what a FHIR search
 * allocated survived each scavenge that way (8 MB a time, pauses of 12-20 ms); without, none.
 */
export function deferredLogger(make: () => Logger): Logger {
  let real: Logger | undefined;
  return lazyLogger(() => (real ??= make()));
}

function lazyLogger(make: () => Logger): Logger {
  return new Proxy({} as Logger, {
    get(_target, key) {
      const real = make();
      const value: unknown = Reflect.get(real, key, real);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(real) : value;
    },
    set: (_target, key, value) => Reflect.set(make(), key, value),
    has: (_target, key) => Reflect.has(make(), key),
    getPrototypeOf: () => Reflect.getPrototypeOf(make()),
  });
}

/**
 * pino's `isoTime` (`,"time":"<ISO 8601>"`), made once per millisecond: toISOString is dear on
 * this Node, and a FHIR request writes three lines within the same millisecond or two.
 */
let lastMs = Number.NaN;
let lastIso = '';
let lastTimeField = '';
export function isoTimeField(): string {
  if (Date.now() !== lastMs) isoNow();
  return lastTimeField;
}

/** Now in ISO 8601 (millisecond precision, as toISOString), made once per millisecond like isoTimeField. */
export function isoNow(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastIso = new Date(now).toISOString();
    lastTimeField = `,"time":"${lastIso}"`;
  }
  return lastIso;
}

/** Writes one kind of line (one level, one message) through a logger: see directLineWriter. */
export type LineWriter = (fields: object) => void;

type LevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
const S = pino.symbols;
/** pino's own symbol for `msgPrefix` (exported, missing from its type declarations). */
const MSG_PREFIX = (pino.symbols as unknown as Record<string, symbol | undefined>)['msgPrefixSym'];

/**
 * A writer of the lines a logger writes on every request, that puts them straight on the
 * logger's destination: the same bytes as `logger[level](fields, msg)` (level, time, the
 * logger's bindings, the fields after the logger's own `formatters.log`, the message), without
 * pino's generic path. A line whose fields are not all strings, numbers and booleans, or that
 * names a field with a serialiser (`err`), still goes through pino. The level is read on every
 * line, so a level changed at run time holds. A logger set up with what the direct path does
 * not do (mixin, stream-write hook, nested key, message prefix, redaction paths, a destination
 * that wants pino's metadata) gets pino's own method, unchanged.
 */
export function directLineWriter(logger: Logger, level: LevelName, msg?: string): LineWriter {
  const viaPino: LineWriter = (fields) => logger[level](fields, msg);
  const own = logger as unknown as Record<symbol, unknown>;
  const stream = own[S.streamSym] as (DestinationStream & Record<symbol, unknown>) | undefined;
  const time = own[S.timeSym];
  const end = own[S.endSym];
  const levelNumber = logger.levels?.values[level];
  const start = levelNumber === undefined ? undefined : (own[S.lsCacheSym] as Record<number, string> | undefined)?.[levelNumber];
  const formatters = own[S.formattersSym] as { log?: (obj: Record<string, unknown>) => Record<string, unknown> } | undefined;
  const serializers = Object.keys((own[S.serializersSym] as object | undefined) ?? {});
  const stringifiers = (own[S.stringifiersSym] as Record<string | symbol, unknown> | undefined) ?? {};
  const hooks = own[S.hooksSym] as { streamWrite?: unknown } | undefined;
  const messageKey = own[S.messageKeySym];
  const plain =
    typeof stream?.write === 'function' &&
    stream[S.needsMetadataGsym] !== true &&
    typeof time === 'function' &&
    typeof own[S.chindingsSym] === 'string' &&
    typeof end === 'string' &&
    typeof start === 'string' &&
    typeof messageKey === 'string' &&
    !serializers.includes(messageKey) &&
    !own[S.mixinSym] &&
    !own[S.nestedKeySym] &&
    (MSG_PREFIX === undefined || !own[MSG_PREFIX]) &&
    !hooks?.streamWrite &&
    Object.keys(stringifiers).length === 0 &&
    stringifiers[S.wildcardFirstSym] === undefined;
  if (!plain) return viaPino;
  const format = formatters?.log;
  const tail = (msg === undefined ? '' : `,${JSON.stringify(messageKey)}:${JSON.stringify(msg)}`) + end;
  return (fields) => {
    if (!logger.isLevelEnabled(level)) return;
    for (const key of serializers) if ((fields as Record<string, unknown>)[key] !== undefined) return viaPino(fields);
    const json = plainFieldsJson(format ? format(fields as Record<string, unknown>) : fields);
    if (json === undefined) return viaPino(fields);
    // The bindings are read per line: pino's setBindings replaces them.
    stream.write(start + (time as () => string).call(logger) + (own[S.chindingsSym] as string) + json + tail);
  };
}

/**
 * A logger that drops everything: for tests and CLI commands that print their own output. One
 * for the process: it holds no state worth having twice, and making a pino logger per call was
 * 5 % of the adapter contract suites (one per search context). Do not change its level.
 */
let silent: Logger | undefined;
export function createSilentLogger(): Logger {
  return (silent ??= pino({ level: 'silent' }));
}

/**
 * How a log or audit stream is written: asynchronously, gathered into writes of at least
 * BUFFER_BYTES (one syscall per few dozen lines under load instead of one per line) and flushed
 * at least every FLUSH_MS when it is quiet. Nothing is dropped: a write that cannot keep up is
 * queued, not discarded, and pino flushes the buffer synchronously when the process exits
 * (SIGTERM drain, process.exit, an uncaught error). Only a SIGKILL can cost the last FLUSH_MS.
 * 16 KiB: about ten FHIR requests' lines per write. (With 4 KiB the string-mode destination's
 * per-line length measurement was what made a larger buffer dear; in buffer mode it is not.)
 * A single write may carry up to four buffers' worth when the disk falls behind.
 */
const BUFFER_BYTES = 16384;
const FLUSH_MS = 100;

export function logDestination(setting: string): DestinationStream {
  const common = { sync: false, minLength: BUFFER_BYTES, maxWrite: 4 * BUFFER_BYTES, periodicFlush: FLUSH_MS, contentMode: 'buffer' } as const;
  if (setting === 'stdout') return acceptingStrings(pino.destination({ fd: 1, ...common }));
  if (setting === 'stderr') return acceptingStrings(pino.destination({ fd: 2, ...common }));
  return acceptingStrings(pino.destination({ dest: setting, mkdir: true, ...common }));
}

/**
 * The destination gathers each line as bytes (its `buffer` mode) and pino writes strings: each
 * line is encoded once, here. In its string mode the destination measured the UTF-8 length of
 * the whole gathered string on every line (flattening the concatenation each time): a quarter
 * of the cost of logging in a profile of the FHIR request's three lines. Written bytes, order,
 * flushing on exit: all as before (the same stream, only what it holds changed).
 */
/** pino's own buffered destination (sonic-boom). */
type Buffered = ReturnType<typeof pino.destination>;

function acceptingStrings(stream: Buffered): Buffered {
  // Typed for strings only; in buffer mode its write takes bytes.
  const writeBytes = stream.write as unknown as (this: Buffered, data: Buffer) => boolean;
  stream.write = function write(this: Buffered, data: string | Buffer): boolean {
    return writeBytes.call(this, typeof data === 'string' ? Buffer.from(data) : data);
  } as Buffered['write'];
  return stream;
}
