import type http from 'node:http';
import type { Resource } from '../../adapters/types.js';
import { bsnOf, loadDataset, ownerOf, startFhirBackend } from '../integration/adapters-backends.js';

/**
 * A FHIR backend in a process of its own that takes `delayMs` per call (a legacy EHR's FHIR API),
 * for bench 2. It serves the R4 medication data set (the Nictiz fixtures when ../shared holds
 * them, else the demo patients), counts every call, and answers `GET /__bench/requests` (not
 * delayed, not counted) with the count and the last calls, so the bench sees the upstream round
 * trips of one gateway search. Prints one JSON line when listening; stops on SIGTERM.
 */
const delayMs = Number(process.argv[2] ?? '5');
const MA_CATEGORY = '33633005';

const data = await loadDataset('R4', new Date());
const backend = (await startFhirBackend(data)) as Awaited<ReturnType<typeof startFhirBackend>> & { server: http.Server };
const inner = backend.server.listeners('request') as http.RequestListener[];
backend.server.removeAllListeners('request');
let count = 0;
const recent: string[] = [];
backend.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
  if (req.url === '/__bench/requests') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ count, recent }));
    return;
  }
  count++;
  recent.push(`${req.method} ${req.url}`);
  if (recent.length > 64) recent.shift();
  setTimeout(() => {
    for (const listener of inner) listener.call(backend.server, req, res);
  }, delayMs);
});
backend.requests.length = 0;
// The bench keeps only the count; the data set's own log of calls would grow without end.
setInterval(() => (backend.requests.length = 0), 1000).unref();

const isAgreement = (r: Resource) =>
  r.resourceType === 'MedicationRequest' &&
  ((r['category'] as Array<{ coding?: Array<{ code?: string }> }> | undefined) ?? []).some((c) => (c.coding ?? []).some((x) => x.code === MA_CATEGORY));
const agreements = new Map<string, number>();
for (const r of data.resources) {
  const owner = isAgreement(r) ? ownerOf(data.version, r) : undefined;
  if (owner) agreements.set(owner, (agreements.get(owner) ?? 0) + 1);
}
const [patient, matches] = [...agreements.entries()].sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
const bsn = data.resources.find((r) => r.resourceType === 'Patient' && r.id === patient);
process.stdout.write(
  `${JSON.stringify({ url: backend.url, origin: backend.url.replace(/\/fhir$/, ''), bsn: bsn ? bsnOf(bsn) : undefined, agreements: matches, resourceTypes: [...new Set(data.resources.map((r) => r.resourceType))], dataset: data.folder.includes('nictiz') ? 'Nictiz R4 medication fixtures' : 'demo patients (R4)' })}\n`,
);
process.on('SIGTERM', () => void backend.close().then(() => process.exit(0)));
