import { Agent, request } from 'undici';
import { runLoad } from './edge.js';
import type { LoadOutput } from './load-worker.js';
import { startChild, startGatewayProcess } from './processes.js';
import { median, round2 } from './report.js';
import { accessTokenFor, pgoTargetOf } from './token-grants.js';

/**
 * Bench 2: the gateway in front of a FHIR backend that takes 5 ms per call. An MP9 3.0
 * medication-agreement search with its seven `_include`s (five plus three `_include:iterate`, as
 * the Nictiz scripts send it, config/standards/mp9-3.0.yaml) goes through the gateway; the backend
 * counts the calls it gets for it (the upstream round trips). The adapter forwards the includes
 * (`forwardIncludes`; the backend resolves them, as FHIR servers do), so the backend's own time
 * for the same data is the first of those calls sent to it directly: one search, one 5 ms wait. So
 * "added p50" = gateway p50 − direct p50, and it holds every extra round trip the gateway makes.
 * Latencies: one request at a time over one keep-alive connection, from a separate process.
 */
export const MP9_SEARCH =
  'MedicationRequest?category=http%3A%2F%2Fsnomed.info%2Fsct%7C33633005' +
  ['MedicationRequest:medication', 'MedicationRequest:subject', 'MedicationRequest:reason', 'MedicationRequest:next-practitioner', 'MedicationRequest:requester'].map((i) => `&_include=${encodeURIComponent(i)}`).join('') +
  ['PractitionerRole:organization', 'PractitionerRole:practitioner', 'PractitionerRole:location'].map((i) => `&_include%3Aiterate=${encodeURIComponent(i)}`).join('');
const DELAY_MS = 5;
const SERVICE = '/fhir/demoziekenhuis/mp9-3.0';

export interface FhirBackendResult {
  readonly dataset: string;
  readonly delayMs: number;
  readonly search: string;
  readonly matches: number;
  readonly includes: number;
  readonly upstreamCalls: number;
  readonly upstreamCallsSeen: readonly string[];
  readonly gateway: readonly LoadOutput[];
  readonly direct: readonly LoadOutput[];
  readonly gatewayP50Ms: number;
  readonly directP50Ms: number;
  readonly addedP50Ms: number;
  /** The same first upstream call through a bare TLS proxy (bare-proxy.ts): the cost of one more hop. */
  readonly proxy: readonly LoadOutput[];
  readonly proxyP50Ms: number;
  readonly proxyAddedP50Ms: number;
}

interface BackendReady {
  readonly url: string;
  readonly origin: string;
  readonly bsn?: string;
  readonly agreements: number;
  readonly resourceTypes: readonly string[];
  readonly dataset: string;
}

export async function benchFhirBackend(opts: { readonly roundS: number; readonly rounds: number; readonly warmupS: number; readonly gatewayNodeArgs?: readonly string[] }, progress: (line: string) => void): Promise<FhirBackendResult> {
  const backend = await startChild<BackendReady>('fhir-backend-process.js', [String(DELAY_MS)]);
  try {
    const b = backend.ready;
    if (!b.bsn) throw new Error('the backend data set has no patient with a medication agreement and a BSN');
    const gw = await startGatewayProcess({
      ...(opts.gatewayNodeArgs ? { nodeArgs: opts.gatewayNodeArgs } : {}),
      servicesYaml: `      - { id: mp9-3.0, standard: mp9-3.0, fhirVersion: R4, adapter: ehr-fhir }`,
      adaptersYaml: `  - { id: ehr-fhir, kind: fhir, baseUrl: "${b.url}", fhirVersion: R4, forwardIncludes: true, resourceTypes: [${b.resourceTypes.join(', ')}] }`,
    });
    try {
      const target = await pgoTargetOf(gw);
      const token = await accessTokenFor(target, b.bsn);
      const headers = { authorization: `Bearer ${token.accessToken}`, accept: 'application/fhir+json', 'x-correlation-id': token.sessionId };
      const tls = { ca: gw.pki.caCert, cert: gw.pki.pgoListedCert, key: gw.pki.pgoListedKey };
      const gatewayUrl = `${gw.node}${SERVICE}/${MP9_SEARCH}`;
      // One search on its own, to count the calls the backend gets for it and learn the first.
      const agent = new Agent({ connect: { ca: target.ca, cert: target.clientCert, key: target.clientKey } });
      const before = await calls(b.origin);
      let bundle: { entry?: Array<{ search?: { mode?: string } }> };
      try {
        const res = await request(gatewayUrl, { dispatcher: agent, headers });
        const text = await res.body.text();
        if (res.statusCode !== 200) throw new Error(`the MP9 search answered ${res.statusCode}: ${text.slice(0, 300)}`);
        bundle = JSON.parse(text) as typeof bundle;
      } finally {
        await agent.close();
      }
      const after = await calls(b.origin);
      const upstreamCalls = after.count - before.count;
      const seen = after.recent.slice(-upstreamCalls);
      const first = seen[0]?.replace(/^GET /, '');
      if (!first) throw new Error('the gateway made no upstream call for the MP9 search');
      const directUrl = `${b.origin}${first}`;
      const proxy = await startChild<{ port: number }>('bare-proxy.js', [JSON.stringify({ tls: { cert: gw.pki.gatewayCert, key: gw.pki.gatewayKey, ca: gw.pki.caCert }, upstream: directUrl })]);
      try {
        const proxyUrl = `https://127.0.0.1:${proxy.ready.port}${SERVICE}/${MP9_SEARCH}`;
        const urlOf = { gateway: gatewayUrl, proxy: proxyUrl, direct: directUrl } as const;
        const load = async (side: Side, durationS: number): Promise<LoadOutput> => {
          const r = await runLoad({ mode: 'latency', urls: [urlOf[side]], connections: 1, durationS, headers: side === 'direct' ? { accept: 'application/fhir+json' } : headers, ...(side === 'direct' ? {} : { tls }) });
          if (r.non2xx > 0 || r.errors > 0) throw new Error(`FHIR backend: ${side} answered ${r.non2xx} non-2xx and ${r.errors} errors`);
          return r;
        };
        // Warm-up of every side, not counted: without it the gateway's first round measured its JIT
        // still compiling the search path (9.84 ms at p50 against 7.37 and 7.57 in the next two).
        for (const side of SIDES) await load(side, opts.warmupS);
        const rounds: Record<Side, LoadOutput[]> = { gateway: [], proxy: [], direct: [] };
        for (let round = 0; round < opts.rounds; round++) {
          // Each round starts with the next side, so no side always follows the same one.
          for (let i = 0; i < SIDES.length; i++) {
            const side = SIDES[(round + i) % SIDES.length]!;
            rounds[side].push(await load(side, opts.roundS));
          }
          progress(`FHIR backend round ${round + 1}/${opts.rounds}: gateway p50 ${rounds.gateway.at(-1)!.p50Ms} ms, bare proxy p50 ${rounds.proxy.at(-1)!.p50Ms} ms, direct p50 ${rounds.direct.at(-1)!.p50Ms} ms`);
        }
        return resultOf(b, bundle, upstreamCalls, seen, rounds);
      } finally {
        await proxy.stop();
      }
    } finally {
      await gw.stop();
    }
  } finally {
    await backend.stop();
  }
}

type Side = 'gateway' | 'proxy' | 'direct';
const SIDES: readonly Side[] = ['gateway', 'proxy', 'direct'];

function resultOf(b: BackendReady, bundle: { entry?: Array<{ search?: { mode?: string } }> }, upstreamCalls: number, seen: readonly string[], rounds: Record<Side, LoadOutput[]>): FhirBackendResult {
  const gatewayP50Ms = median(rounds.gateway.map((r) => r.p50Ms));
  const directP50Ms = median(rounds.direct.map((r) => r.p50Ms));
  const proxyP50Ms = median(rounds.proxy.map((r) => r.p50Ms));
  return {
    dataset: b.dataset,
    delayMs: DELAY_MS,
    search: `${SERVICE}/${decodeURIComponent(MP9_SEARCH)}`,
    matches: (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').length,
    includes: (bundle.entry ?? []).filter((e) => e.search?.mode === 'include').length,
    upstreamCalls,
    // Paths only: the patient reference is the EHR's id, never a BSN (the BSN lookup is a POST body).
    upstreamCallsSeen: seen.map((c) => c.replace(/\?.*$/, '?…')),
    gateway: rounds.gateway,
    direct: rounds.direct,
    gatewayP50Ms,
    directP50Ms,
    addedP50Ms: round2(gatewayP50Ms - directP50Ms),
    proxy: rounds.proxy,
    proxyP50Ms,
    proxyAddedP50Ms: round2(proxyP50Ms - directP50Ms),
  };
}

async function calls(origin: string): Promise<{ count: number; recent: string[] }> {
  const res = await request(`${origin}/__bench/requests`);
  return (await res.body.json()) as { count: number; recent: string[] };
}
