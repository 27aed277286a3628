import { Agent, request } from 'undici';
import { runLoad } from './edge.js';
import type { LoadOutput } from './load-worker.js';
import { startChild, startGatewayProcess } from './processes.js';
import { median } from './report.js';
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
      const load = async (side: 'gateway' | 'direct', durationS: number): Promise<LoadOutput> => {
        const r =
          side === 'gateway'
            ? await runLoad({ mode: 'latency', urls: [gatewayUrl], connections: 1, durationS, headers, tls })
            : await runLoad({ mode: 'latency', urls: [directUrl], connections: 1, durationS, headers: { accept: 'application/fhir+json' } });
        if (r.non2xx > 0 || r.errors > 0) throw new Error(`FHIR backend: ${side} answered ${r.non2xx} non-2xx and ${r.errors} errors`);
        return r;
      };
      // Warm-up of both sides, not counted: without it the gateway's first round measured its JIT
      // still compiling the search path (9.84 ms at p50 against 7.37 and 7.57 in the next two).
      await load('gateway', opts.warmupS);
      await load('direct', opts.warmupS);
      const gateway: LoadOutput[] = [];
      const direct: LoadOutput[] = [];
      for (let round = 0; round < opts.rounds; round++) {
        for (const side of round % 2 === 0 ? (['gateway', 'direct'] as const) : (['direct', 'gateway'] as const)) {
          (side === 'gateway' ? gateway : direct).push(await load(side, opts.roundS));
        }
        progress(`FHIR backend round ${round + 1}/${opts.rounds}: gateway p50 ${gateway.at(-1)!.p50Ms} ms, direct p50 ${direct.at(-1)!.p50Ms} ms`);
      }
      const gatewayP50Ms = median(gateway.map((r) => r.p50Ms));
      const directP50Ms = median(direct.map((r) => r.p50Ms));
      return {
        dataset: b.dataset,
        delayMs: DELAY_MS,
        search: `${SERVICE}/${decodeURIComponent(MP9_SEARCH)}`,
        matches: (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').length,
        includes: (bundle.entry ?? []).filter((e) => e.search?.mode === 'include').length,
        upstreamCalls,
        // Paths only: the patient reference is the EHR's id, never a BSN (the BSN lookup is a POST body).
        upstreamCallsSeen: seen.map((c) => c.replace(/\?.*$/, '?…')),
        gateway,
        direct,
        gatewayP50Ms,
        directP50Ms,
        addedP50Ms: Math.round((gatewayP50Ms - directP50Ms) * 100) / 100,
      };
    } finally {
      await gw.stop();
    }
  } finally {
    await backend.stop();
  }
}

async function calls(origin: string): Promise<{ count: number; recent: string[] }> {
  const res = await request(`${origin}/__bench/requests`);
  return (await res.body.json()) as { count: number; recent: string[] };
}
