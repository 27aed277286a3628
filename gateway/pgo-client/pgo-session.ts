import { Agent, request } from 'undici';
import { describeNetworkError, type Listener } from './network-error.js';
import { PgoFlowError } from './pgo-flow-error.js';

/** Where and with what TLS material a PGO reaches the gateway. */
export interface PgoTarget {
  /** Patient (browser) interface: authorization endpoint, DigiD simulator, consent. */
  readonly patientUrl: string;
  /** Node interface (mTLS + Whitelist): token endpoint and FHIR. */
  readonly nodeUrl: string;
  /** Defaults to `{nodeUrl}/oauth/token`; normally taken from the metadata (RFC 8414). */
  readonly tokenEndpoint?: string;
  /** Trust anchor for the gateway's server certificate (PEM). */
  readonly ca: string;
  /** The PGO's client certificate and key (PEM) for the node interface. */
  readonly clientCert: string;
  readonly clientKey: string;
}

export interface HttpAnswer {
  readonly status: number;
  /** Absolute, resolved against the request URL. */
  readonly location?: string;
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

export interface TokenAnswer {
  readonly status: number;
  readonly json: Record<string, unknown>;
  readonly headers: HttpAnswer['headers'];
}

export interface PgoSessionOptions {
  /** Another client certificate for the node interface than the target's. */
  readonly clientCert?: string;
  readonly clientKey?: string;
  /** Per call; the MedMij resource server must answer within 60 s (core.rscint.202). */
  readonly timeoutMs?: number;
}

/** Enough for any searchset the demo and qualification data produce; a runaway answer is cut off. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * A browser stand-in plus the PGO server's backchannel: one cookie jar and no automatic redirects
 * for the patient interface (each hop is looked at), and a second connection pool that presents
 * the PGO's client certificate to the node interface. Cookies are kept by name, which is enough
 * for one flow at a time.
 */
export class PgoSession {
  private readonly cookies = new Map<string, string>();
  private readonly patientAgent: Agent;
  private readonly nodeAgent: Agent;
  private readonly timeoutMs: number;

  constructor(
    readonly target: PgoTarget,
    options: PgoSessionOptions = {},
  ) {
    this.patientAgent = new Agent({ connect: { ca: target.ca } });
    this.nodeAgent = new Agent({ connect: { ca: target.ca, cert: options.clientCert ?? target.clientCert, key: options.clientKey ?? target.clientKey } });
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** GET on the patient interface (relative URLs resolve against it), with the cookie jar. */
  async get(url: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    return this.browse('GET', this.absolute(url), undefined, headers);
  }

  async postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    const target = this.absolute(url);
    // A browser submitting the gateway's own form sends its origin; the gateway checks it (CSRF).
    return this.browse('POST', target, new URLSearchParams(form).toString(), { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(target).origin, ...headers });
  }

  /**
   * POST to the token endpoint over two-sided TLS, with a fresh MedMij-Request-ID and an
   * X-Correlation-ID (core.tknint.208).
   * The answer must be a JSON object (RFC 6749 §5.1/§5.2), success or error.
   */
  async token(form: Record<string, string>, headers: Record<string, string> = {}, endpoint?: string): Promise<TokenAnswer> {
    const url = endpoint ?? this.target.tokenEndpoint ?? `${this.target.nodeUrl.replace(/\/+$/, '')}/oauth/token`;
    const answer = await this.send('node', 'POST', url, new URLSearchParams(form).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      'medmij-request-id': crypto.randomUUID(),
      // The session's id from the authorization request when the caller passes it; a new one
      // otherwise, as on a refresh (core.tknint.208).
      'x-correlation-id': crypto.randomUUID(),
      ...headers,
    });
    let json: unknown;
    try {
      json = JSON.parse(answer.body);
    } catch {
      throw new PgoFlowError(`the token endpoint answered HTTP ${answer.status} without a JSON body`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new PgoFlowError(`the token endpoint answered HTTP ${answer.status} with JSON that is not an object`);
    return { status: answer.status, json: json as Record<string, unknown>, headers: answer.headers };
  }

  /** GET on the node interface with the client certificate (FHIR calls); no cookies. */
  async nodeGet(url: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    return this.send('node', 'GET', url, undefined, headers);
  }

  /** POST on the node interface with the client certificate (Delen: a FHIR Bundle); no cookies. */
  async nodePost(url: string, body: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    return this.send('node', 'POST', url, body, headers);
  }

  async close(): Promise<void> {
    await Promise.all([this.patientAgent.close(), this.nodeAgent.close()]);
  }

  private absolute(url: string): string {
    return new URL(url, this.target.patientUrl).href;
  }

  private async browse(method: string, url: string, body: string | undefined, headers: Record<string, string>): Promise<HttpAnswer> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const answer = await this.send('patient', method, url, body, { ...(cookie ? { cookie } : {}), ...headers });
    const setCookie = answer.headers['set-cookie'];
    for (const line of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /expires=Thu, 01 Jan 1970/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return answer;
  }

  private async send(listener: Listener, method: string, url: string, body: string | undefined, headers: Record<string, string>): Promise<HttpAnswer> {
    try {
      const res = await request(url, {
        method,
        dispatcher: listener === 'node' ? this.nodeAgent : this.patientAgent,
        headers,
        signal: AbortSignal.timeout(this.timeoutMs),
        ...(body !== undefined ? { body } : {}),
      });
      const text = await readCapped(res.body, url);
      const location = res.headers.location;
      return {
        status: res.statusCode,
        body: text,
        headers: res.headers,
        ...(typeof location === 'string' ? { location: new URL(location, url).href } : {}),
      };
    } catch (error) {
      throw describeNetworkError(error, listener, url);
    }
  }
}

async function readCapped(body: AsyncIterable<Buffer | string>, url: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new PgoFlowError(`the answer from ${new URL(url).origin} exceeds ${MAX_BODY_BYTES} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}
