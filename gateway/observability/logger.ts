import { pino, type Logger, type DestinationStream } from 'pino';
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
      timestamp: pino.stdTimeFunctions.isoTime,
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
    let real: Logger | undefined;
    return lazyLogger(() => (real ??= makeChild.call(parent, safe, childOptions) as unknown as Logger));
  } as unknown as Logger['child'];
  return logger;
}

/** A Logger that is `make()`'s logger in every respect, made on first use. */
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
 */
const BUFFER_BYTES = 4096;
const FLUSH_MS = 100;

export function logDestination(setting: string): DestinationStream {
  const common = { sync: false, minLength: BUFFER_BYTES, periodicFlush: FLUSH_MS } as const;
  if (setting === 'stdout') return pino.destination({ fd: 1, ...common });
  if (setting === 'stderr') return pino.destination({ fd: 2, ...common });
  return pino.destination({ dest: setting, mkdir: true, ...common });
}
