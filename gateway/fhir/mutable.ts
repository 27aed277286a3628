/**
 * A readonly record type made writable, for a value built in place on the hot path (its optional
 * fields set only when present) before it is handed on as the readonly type.
 */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };
