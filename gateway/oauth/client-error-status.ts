/**
 * The status of a client error raised by Express or body-parser (malformed URI, body too large,
 * unknown charset, too many fields), or undefined for anything else, which is our own failure.
 * Only the status is used: body-parser's messages may quote the request.
 */
export function clientErrorStatus(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | null)?.status;
  const expose = (err as { expose?: unknown } | null)?.expose;
  // The router's path-parameter decoding throws a bare URIError with status 400 and no `expose`.
  const client = expose === true || err instanceof URIError;
  return typeof status === 'number' && status >= 400 && status < 500 && client ? status : undefined;
}

/** Which error it was, for the log: name, body-parser's type and our stack, never request values. */
export function describeError(err: unknown): Record<string, unknown> {
  return err instanceof Error ? { err: { name: err.name, type: (err as { type?: unknown }).type, stack: err.stack } } : { err: typeof err };
}
