import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import type { AdapterContext, SearchParam } from '../../adapters/types.js';
import { catalogueFile, loadCatalogue, matchParams } from '../../gateway/fhir/catalogue/index.js';
import { executeSearch, parseSearchRequest, type SearchOutcome } from '../../gateway/fhir/search/index.js';
import { createSilentLogger } from '../../gateway/observability/logger.js';
import { exchangeCode, PgoSession } from '../../gateway/pgo-client/index.js';
import { DEV_LISTED_HOST } from '../../gateway/pki/index.js';
import type { TestGateway } from '../helpers/gateway.js';
import { median } from './report.js';
import { BENCH_BSN, BENCH_REDIRECT_URI, pgoTarget, prepareCode } from './token-grants.js';

export interface SearchsetOptions {
  /** Rounds per side; gateway and in-process rounds alternate (a busy machine drifts). */
  readonly rounds: number;
  readonly roundMs: number;
  /** Requests in flight at once; also the number of keep-alive mTLS connections. */
  readonly concurrency: number;
}

export interface SearchsetResult {
  readonly queries: readonly string[];
  readonly gatewayRounds: readonly number[];
  readonly inProcessRounds: readonly number[];
  readonly gatewayRps: number;
  readonly inProcessRps: number;
  /** gateway / in-process, from the medians of this one run. */
  readonly ratio: number;
  readonly gatewayRequests: number;
  readonly inProcessSearches: number;
}

/** BgZ searches the PGO makes (config/standards/bgz-3.yaml), as sent on the wire. */
export const BGZ_SEARCHES: readonly string[] = [
  'Patient?_include=Patient:general-practitioner',
  'Condition',
  'MedicationRequest?category=http://snomed.info/sct|16076005&_include=MedicationRequest:medication',
];

const SERVICE_PATH = '/fhir/demoziekenhuis/48';
const ADAPTER_ID = 'demo-ehr';
/** Hard cap per round, so a loop stops by itself whatever the clock does. */
const MAX_OPS_PER_ROUND = 500_000;

interface ParsedSearch {
  readonly text: string;
  readonly resourceType: string;
  readonly params: SearchParam[];
}

function parseSearch(text: string): ParsedSearch {
  const [resourceType = '', query = ''] = text.split('?');
  return { text, resourceType, params: [...new URLSearchParams(query)].map(([name, value]) => ({ name, value })) };
}

/** On the wire the `|` of a token value is percent-encoded, as a client library would send it. */
function wirePath(s: ParsedSearch): string {
  const qs = new URLSearchParams(s.params.map((p): [string, string] => [p.name, p.value])).toString();
  return `${SERVICE_PATH}/${s.resourceType}${qs ? `?${qs}` : ''}`;
}

/** Runs `once` from `concurrency` workers for `ms`; returns completed operations per second. */
async function rate(ms: number, concurrency: number, once: (i: number) => Promise<void>): Promise<{ rps: number; count: number }> {
  let count = 0;
  const started = performance.now();
  const deadline = started + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = w; performance.now() < deadline && count < MAX_OPS_PER_ROUND; i += concurrency) {
        await once(i);
        count++;
      }
    }),
  );
  return { rps: count / ((performance.now() - started) / 1000), count };
}

/**
 * Searchset throughput of the whole gateway (mTLS keep-alive, token check, catalogue, search engine,
 * Bundle, JSON) against the same demo adapter and search engine called in this process with the
 * same queries. Both sides are first checked to give the same matches and includes, so the ratio
 * compares equal work. The client runs in the gateway's own process, so the gateway side also
 * pays for undici on the same event loop.
 */
export async function benchSearchset(gw: TestGateway, opts: SearchsetOptions): Promise<SearchsetResult> {
  const adapter = gw.gateway.adapters.get(ADAPTER_ID);
  if (!adapter) throw new Error(`searchset: the gateway has no adapter ${ADAPTER_ID}`);
  const patient = await adapter.findPatientByBsn(BENCH_BSN, AbortSignal.timeout(5000));
  if (!patient) throw new Error('searchset: the demo EHR does not know the bench patient');
  const searches = BGZ_SEARCHES.map(parseSearch);
  const catalogue = await loadCatalogue(catalogueFile('bgz-3'));
  const log = createSilentLogger();

  const inProcess = async (s: ParsedSearch) => {
    // The same gate the gateway applies before the engine: the query must fit a BgZ template.
    if (!matchParams(catalogue, s.resourceType, s.params).ok) throw new Error(`searchset: catalogue refused ${s.text}`);
    const ctx: AdapterContext = { patient, fhirVersion: 'STU3', requestId: 'bench', signal: AbortSignal.timeout(10_000), log };
    return executeSearch(parseSearchRequest({ fhirVersion: 'STU3', resourceType: s.resourceType, params: s.params }), adapter, ctx);
  };

  const target = await pgoTarget(gw);
  const prepared = await prepareCode(target);
  const tokenSession = new PgoSession(target, { timeoutMs: 10_000 });
  const token = await exchangeCode(tokenSession, { code: prepared.code, codeVerifier: prepared.codeVerifier, redirectUri: BENCH_REDIRECT_URI, clientId: DEV_LISTED_HOST, sessionId: prepared.sessionId }).finally(() =>
    tokenSession.close(),
  );
  const agent = new Agent({
    connections: opts.concurrency,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    connect: { ca: target.ca, cert: target.clientCert, key: target.clientKey },
  });
  const viaGateway = async (s: ParsedSearch): Promise<string> => {
    const res = await request(`${target.nodeUrl}${wirePath(s)}`, {
      dispatcher: agent,
      headers: {
        authorization: `Bearer ${token.access_token}`,
        accept: 'application/fhir+json',
        'medmij-request-id': randomUUID(),
        'x-correlation-id': prepared.sessionId,
      },
    });
    const body = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`searchset: ${s.text} answered ${res.statusCode}`);
    return body;
  };

  try {
    for (const s of searches) assertSameWork(s, await viaGateway(s), await inProcess(s));
    const gatewayRounds: number[] = [];
    const inProcessRounds: number[] = [];
    let gatewayRequests = 0;
    let inProcessSearches = 0;
    const runGateway = async () => {
      const r = await rate(opts.roundMs, opts.concurrency, async (i) => void (await viaGateway(searches[i % searches.length]!)));
      gatewayRounds.push(r.rps);
      gatewayRequests += r.count;
    };
    const runInProcess = async () => {
      const r = await rate(opts.roundMs, opts.concurrency, async (i) => void (await inProcess(searches[i % searches.length]!)));
      inProcessRounds.push(r.rps);
      inProcessSearches += r.count;
    };
    for (let round = 0; round < opts.rounds; round++) {
      // Swap the order every round, so neither side always runs on a warmer machine.
      if (round % 2 === 0) {
        await runGateway();
        await runInProcess();
      } else {
        await runInProcess();
        await runGateway();
      }
    }
    const gatewayRps = median(gatewayRounds);
    const inProcessRps = median(inProcessRounds);
    return {
      queries: BGZ_SEARCHES,
      gatewayRounds,
      inProcessRounds,
      gatewayRps,
      inProcessRps,
      ratio: gatewayRps / inProcessRps,
      gatewayRequests,
      inProcessSearches,
    };
  } finally {
    await agent.close();
  }
}

/** Both sides must find the same resources, or the ratio would compare different work. */
function assertSameWork(s: ParsedSearch, gatewayBody: string, local: SearchOutcome): void {
  const bundle = JSON.parse(gatewayBody) as { resourceType?: string; entry?: Array<{ resource?: { resourceType?: string; id?: string }; search?: { mode?: string } }> };
  if (bundle.resourceType !== 'Bundle') throw new Error(`searchset: ${s.text} did not answer a Bundle`);
  const ids = (mode: string) =>
    (bundle.entry ?? [])
      .filter((e) => e.search?.mode === mode)
      .map((e) => `${e.resource?.resourceType}/${e.resource?.id}`)
      .sort();
  const localIds = (rs: ReadonlyArray<{ resourceType: string; id?: string }>) => rs.map((r) => `${r.resourceType}/${r.id}`).sort();
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (local.matches.length === 0) throw new Error(`searchset: ${s.text} finds nothing for the bench patient; nothing to measure`);
  if (!same(ids('match'), localIds(local.matches)) || !same(ids('include'), localIds(local.includes))) {
    throw new Error(`searchset: ${s.text} gives different results through the gateway and in process`);
  }
}
