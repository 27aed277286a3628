import type { FhirVersion } from '../../adapters/types.js';
import { parseFhirXml } from '../fhir/index.js';
import { queryLabel, queryPath, type CatalogueQuery } from './catalogue-queries.js';
import type { PgoSession } from './pgo-session.js';

export type FhirFormat = 'json' | 'xml';

export interface QueryContext {
  /** The FHIR base: `{node}{endpoints.resourcePath}` filled for the provider and service. */
  readonly baseUrl: string;
  readonly fhirVersion: FhirVersion;
  readonly accessToken: string;
  /** X-Correlation-ID of the session (core.rscint.201). */
  readonly sessionId: string;
  readonly format: FhirFormat;
}

export interface QueryResult {
  readonly name: string;
  /** Decoded, for people. */
  readonly label: string;
  readonly url: string;
  readonly status: number;
  readonly ms: number;
  /** Entries with search.mode = match / include; undefined when the answer was no Bundle. */
  readonly matches?: number;
  readonly includes?: number;
  readonly total?: number;
  /** The OperationOutcome's text (or why the answer was unusable) when status ≠ 200. */
  readonly error?: string;
  /** The answer as received, for --raw. */
  readonly body: string;
  /** The parsed answer (FHIR JSON, also for XML answers). */
  readonly resource?: Record<string, unknown>;
}

const ACCEPT: Readonly<Record<FhirFormat, string>> = {
  json: 'application/fhir+json',
  xml: 'application/fhir+xml',
};

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * One search against a data service's FHIR base, as MedMij prescribes it (digest §3): the token
 * in the Authorization header only (core.rscint.200), a new MedMij-Request-ID and the session's
 * X-Correlation-ID (core.rscint.201), Accept for the chosen format. The answer is parsed here,
 * at the edge, into counts and the OperationOutcome's text.
 */
export async function runQuery(session: PgoSession, q: CatalogueQuery, ctx: QueryContext): Promise<QueryResult> {
  const url = `${ctx.baseUrl.replace(/\/+$/, '')}/${queryPath(q)}`;
  const started = performance.now();
  const answer = await session.nodeGet(url, {
    authorization: `Bearer ${ctx.accessToken}`,
    accept: ACCEPT[ctx.format],
    'medmij-request-id': crypto.randomUUID(),
    'x-correlation-id': ctx.sessionId,
  });
  const ms = Math.round(performance.now() - started);
  const base = { name: q.name, label: queryLabel(q), url, status: answer.status, ms, body: answer.body };
  const parsed = parseAnswer(answer.body, contentTypeOf(answer.headers['content-type']), ctx.fhirVersion);
  if (!parsed.ok) return { ...base, error: answer.status === 200 ? parsed.error : `HTTP ${answer.status}: ${parsed.error}` };
  const resource = parsed.resource;
  if (answer.status !== 200 || resource.resourceType !== 'Bundle') {
    const text = outcomeText(resource) ?? (resource.resourceType === 'Bundle' ? 'a Bundle with an error status' : `a ${String(resource.resourceType)} instead of a Bundle`);
    const challenge = answer.headers['www-authenticate'];
    return { ...base, resource, error: typeof challenge === 'string' && answer.status === 401 ? `${text} (${challenge})` : text };
  }
  const entries = Array.isArray(resource.entry) ? resource.entry.filter(isObject) : [];
  const mode = (e: Json) => (isObject(e.search) ? e.search.mode : undefined);
  return {
    ...base,
    resource,
    matches: entries.filter((e) => mode(e) === 'match').length,
    includes: entries.filter((e) => mode(e) === 'include').length,
    ...(typeof resource.total === 'number' ? { total: resource.total } : {}),
  };
}

function contentTypeOf(header: string | string[] | undefined): string {
  return (Array.isArray(header) ? header[0] : header)?.split(';')[0]?.trim().toLowerCase() ?? '';
}

function parseAnswer(body: string, contentType: string, version: FhirVersion): { ok: true; resource: Json } | { ok: false; error: string } {
  try {
    if (contentType.includes('json')) {
      const value: unknown = JSON.parse(body);
      return isObject(value) && typeof value.resourceType === 'string' ? { ok: true, resource: value } : { ok: false, error: 'the answer is JSON but not a FHIR resource' };
    }
    if (contentType.includes('xml')) return { ok: true, resource: parseFhirXml(body, version) as unknown as Json };
  } catch {
    return { ok: false, error: `the answer is not readable ${contentType.includes('xml') ? 'FHIR XML' : 'FHIR JSON'}` };
  }
  return { ok: false, error: `the answer has content type "${contentType || 'none'}", not FHIR` };
}

/** The human text of an OperationOutcome: each issue's details.text or diagnostics. */
export function outcomeText(resource: Json): string | undefined {
  if (resource.resourceType !== 'OperationOutcome' || !Array.isArray(resource.issue)) return undefined;
  const texts = resource.issue.filter(isObject).map((i) => {
    const details = isObject(i.details) && typeof i.details.text === 'string' ? i.details.text : undefined;
    const diagnostics = typeof i.diagnostics === 'string' ? i.diagnostics : undefined;
    return details ?? diagnostics ?? (typeof i.code === 'string' ? i.code : undefined);
  });
  const joined = texts.filter((t): t is string => t !== undefined).join('; ');
  return joined === '' ? undefined : joined;
}
