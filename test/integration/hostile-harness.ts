import tls from 'node:tls';

/**
 * Shared by the hostile-*.test.ts files: a raw HTTP/1.1 client over TLS (or plain TCP for the
 * operations listener) that sends exactly the bytes a hostile peer would (malformed percent
 * escapes, duplicate headers, odd methods), which fetch and node:https would refuse to send.
 */

export interface RawAnswer {
  readonly status: number;
  /** Lower-cased header names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface RawTarget {
  readonly url: string;
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

export interface RawRequest {
  readonly method?: string;
  /** Sent verbatim as the request target. */
  readonly path: string;
  /** Header lines in order; a name may repeat. */
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly body?: string;
}

export async function rawRequest(target: RawTarget, request: RawRequest, timeoutMs = 5000): Promise<RawAnswer> {
  const url = new URL(target.url);
  const socket = tls.connect({
    host: url.hostname === 'localhost' ? '127.0.0.1' : url.hostname,
    port: Number(url.port),
    servername: 'localhost',
    ...(target.ca ? { ca: target.ca } : {}),
    ...(target.cert && target.key ? { cert: target.cert, key: target.key } : {}),
  });
  const lines = [`${request.method ?? 'GET'} ${request.path} HTTP/1.1`, `Host: ${url.host}`, 'Connection: close'];
  for (const [name, value] of request.headers ?? []) lines.push(`${name}: ${value}`);
  const body = request.body === undefined ? '' : request.body;
  if (request.body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  const payload = `${lines.join('\r\n')}\r\n\r\n${body}`;
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('secureConnect', () => socket.write(payload));
    socket.on('data', (c: Buffer) => chunks.push(c));
    // A peer that resets after writing its answer still answered; parse what arrived.
    socket.on('error', (e) => (chunks.length > 0 ? undefined : (clearTimeout(timer), reject(e))));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return parseAnswer(Buffer.concat(chunks));
}

export function parseAnswer(raw: Buffer): RawAnswer {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no HTTP answer: ${JSON.stringify(raw.toString('latin1').slice(0, 80))}`);
  const [statusLine = '', ...headerLines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? NaN);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let body = raw.subarray(end + 4);
  if (headers['transfer-encoding']?.includes('chunked')) body = dechunk(body);
  return { status, headers, body: body.toString('utf8') };
}

function dechunk(data: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(out);
}

/** What no listener may ever answer: Express's default pages, stack traces, internals. */
export function expectNoLeak(answer: RawAnswer): void {
  expect(answer.body).not.toMatch(/<!DOCTYPE html>\s*<html lang="en">\s*<head>\s*<meta charset="utf-8">\s*<title>Error<\/title>/i);
  expect(answer.body).not.toMatch(/Cannot (GET|POST|PUT|DELETE|PATCH|OPTIONS|TRACE|HEAD)/);
  expect(answer.body).not.toMatch(/<pre>/i);
  expect(answer.body).not.toMatch(/\bat [\w.<>]+ \(?(file:|node:|\/)/); // stack frames
  expect(answer.body).not.toMatch(/node_modules|\/work\/|URIError|TypeError|SyntaxError/);
}

/** A FHIR error answer: an OperationOutcome with the expected status, nothing else. */
export function expectOutcome(answer: RawAnswer, status: number): Record<string, unknown> {
  expectNoLeak(answer);
  expect({ status: answer.status, type: answer.headers['content-type'] }).toEqual({ status, type: expect.stringMatching(/^application\/fhir\+(json|xml)/) });
  if (answer.headers['content-type']?.includes('xml')) {
    expect(answer.body).toContain('<OperationOutcome');
    return {};
  }
  const outcome = JSON.parse(answer.body) as Record<string, unknown>;
  expect(outcome['resourceType']).toBe('OperationOutcome');
  return outcome;
}
