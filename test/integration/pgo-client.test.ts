import { readFile } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { Agent, request } from 'undici';
import { catalogueFile, loadCatalogue } from '../../gateway/fhir/catalogue/index.js';
import { buildCatalogueQueries, queryPath, runPgoClient, authorizeWithSimulator, PgoSession, type PgoIo } from '../../gateway/pgo-client/index.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { pgoGatewayArgs } from '../helpers/pgo-args.js';
import { obtainToken } from '../helpers/oauth.js';

/**
 * The reference PGO client (`medmij-gateway pgo`) against the composed gateway: the summary it
 * prints must agree with what the FHIR API answers directly, and its failures must be one clear line.
 */
const BSN = '999911120';
/** Passes the eleven test; the demo EHR does not know it. */
const UNKNOWN_BSN = '123456782';

let gw: TestGateway;
let pem: { ca: string; cert: string; key: string };

beforeAll(async () => {
  gw = await startTestGateway();
  pem = {
    ca: await readFile(gw.pki.caCert, 'utf8'),
    cert: await readFile(gw.pki.pgoListedCert, 'utf8'),
    key: await readFile(gw.pki.pgoListedKey, 'utf8'),
  };
});
afterAll(async () => {
  await gw?.close();
});

function capture(input = new PassThrough()): PgoIo & { stdout: () => string; stderr: () => string; input: PassThrough } {
  let out = '';
  let err = '';
  return { out: (t) => void (out += t), err: (t) => void (err += t), input, stdout: () => out, stderr: () => err };
}

function gatewayArgs(extra: string[] = []): string[] {
  return [
    ...pgoGatewayArgs(gw),
    ...extra,
  ];
}

interface Line { status: number; matches: number | undefined; includes: number | undefined }

/** Parses the summary: `Service <id> …` headers, then `  <status> <match> <include> <ms>ms  <name>  <query>` lines. */
function parseSummary(text: string): Map<string, Line> {
  const lines = new Map<string, Line>();
  let service = '';
  for (const line of text.split('\n')) {
    const header = /^Service (\S+) /.exec(line);
    if (header) service = header[1]!;
    const m = /^\s+(\d{3})\s+(\d+|-)\s+(\d+|-)\s+\d+ms  (\S+)  /.exec(line);
    if (m) lines.set(`${service}/${m[4]}`, { status: Number(m[1]), matches: m[2] === '-' ? undefined : Number(m[2]), includes: m[3] === '-' ? undefined : Number(m[3]) });
  }
  return lines;
}

test('prints the demo patient summary of every service, with the counts the FHIR API gives directly, and exits 0', async () => {
  const io = capture();
  const code = await runPgoClient(gatewayArgs(['--bsn', BSN]), io);
  expect(io.stderr()).not.toContain('medmij-gateway pgo:');
  expect(code).toBe(0);
  const summary = parseSummary(io.stdout());
  expect(io.stdout()).toMatch(/Totals: \d+ queries, \d+ answered 200, 0 failed/);
  // Never the BSN, only its mask.
  expect(io.stdout() + io.stderr()).not.toContain(BSN);
  expect(io.stderr()).toContain('9999*****');

  // The same queries, sent directly with a token of our own.
  const token = await obtainToken(
    { patientUrl: gw.urls.patient, nodeUrl: gw.urls.node, ca: pem.ca, clientCert: pem.cert, clientKey: pem.key },
    { clientId: 'pgo.listed.test', redirectUri: 'https://pgo.listed.test/medmij/callback', scope: 'demoziekenhuis', bsn: BSN },
  );
  expect(io.stdout() + io.stderr()).not.toContain(token.access_token);
  const agent = new Agent({ connect: { ca: pem.ca, cert: pem.cert, key: pem.key } });
  try {
    let compared = 0;
    let nonEmpty = 0;
    for (const [serviceId, standard] of [['48', 'bgz-3'], ['mp9-3.0', 'mp9-3.0']] as const) {
      for (const q of buildCatalogueQueries(await loadCatalogue(catalogueFile(standard)), new Date())) {
        const res = await request(`${gw.urls.node}/fhir/demoziekenhuis/${serviceId}/${queryPath(q)}`, {
          dispatcher: agent,
          headers: { authorization: `Bearer ${token.access_token}`, accept: 'application/fhir+json', 'x-correlation-id': token.sessionId },
        });
        const bundle = (await res.body.json()) as { entry?: Array<{ search?: { mode?: string } }> };
        expect(res.statusCode).toBe(200);
        const entries = bundle.entry ?? [];
        const direct = { status: 200, matches: entries.filter((e) => e.search?.mode === 'match').length, includes: entries.filter((e) => e.search?.mode === 'include').length };
        expect({ query: `${serviceId}/${q.name}`, ...summary.get(`${serviceId}/${q.name}`) }).toEqual({ query: `${serviceId}/${q.name}`, ...direct });
        compared++;
        if (direct.matches > 0) nonEmpty++;
      }
    }
    expect(summary.size).toBe(compared);
    // The demo patient has data: a summary of empty answers would prove little.
    expect(nonEmpty).toBeGreaterThan(5);
  } finally {
    await agent.close();
  }
});

test('runs the queries in XML too', async () => {
  const io = capture();
  const code = await runPgoClient(gatewayArgs(['--bsn', BSN, '--service', 'mp9-3.0', '--format', 'xml']), io);
  expect(io.stderr()).not.toContain('medmij-gateway pgo:');
  expect(code).toBe(0);
  const lines = [...parseSummary(io.stdout()).values()];
  expect(lines.length).toBeGreaterThan(5);
  expect(lines.some((l) => (l.matches ?? 0) > 0)).toBe(true);
});

test('prints the raw Bundles with --raw', async () => {
  const io = capture();
  const code = await runPgoClient(gatewayArgs(['--bsn', BSN, '--service', '48', '--raw']), io);
  expect(code).toBe(0);
  const bundles = io.stdout().trim().split('\n').map((l) => JSON.parse(l) as { resourceType: string; type: string });
  expect(bundles.length).toBeGreaterThan(20);
  expect(bundles.every((b) => b.resourceType === 'Bundle' && b.type === 'searchset')).toBe(true);
  expect(io.stderr()).toMatch(/Totals: /);
});

test('exits 1 with the TLS message when its certificate is not on the Whitelist', async () => {
  const io = capture();
  const code = await runPgoClient(gatewayArgs(['--bsn', BSN, '--cert', gw.pki.pgoUnlistedCert, '--key', gw.pki.pgoUnlistedKey]), io);
  expect(code).toBe(1);
  expect(io.stderr()).toContain("the node interface refused the TLS connection: is your certificate's host name on the Whitelist?");
  expect(io.stdout()).toBe('');
});

test('exits 1 printing access_denied / "No such resources." for a BSN the care provider does not know', async () => {
  const io = capture();
  const code = await runPgoClient(gatewayArgs(['--bsn', UNKNOWN_BSN]), io);
  expect(code).toBe(1);
  expect(io.stderr()).toContain('error=access_denied');
  expect(io.stderr()).toContain('No such resources.');
  expect(io.stderr()).not.toContain(UNKNOWN_BSN);
});

test('exits 1 with a one-line reason when the gateway is not reachable', async () => {
  const port = await freePort();
  const io = capture();
  const code = await runPgoClient(gatewayArgs(['--bsn', BSN, '--patient-url', `https://localhost:${port}`]), io);
  expect(code).toBe(1);
  expect(io.stderr()).toMatch(/cannot reach the gateway's patient interface at https:\/\/localhost:\d+ \(ECONNREFUSED\)/);
});

test('refuses bad options with exit 2 and never echoes a BSN', async () => {
  const io = capture();
  expect(await runPgoClient(['--bsn', '12345', '--format', 'xml'], io)).toBe(2);
  expect(io.stderr()).toContain('--bsn must be 9 digits');
  expect(io.stderr()).not.toContain('12345');
  expect(await runPgoClient(['--frobnicate'], capture())).toBe(2);
});

/** The browser flow, with the test standing in for the Person's browser. */
async function browserFlow(extra: string[], deliver: (back: URL, io: ReturnType<typeof capture>) => Promise<void>) {
  const io = capture();
  const running = runPgoClient(gatewayArgs(extra), io);
  const until = Date.now() + 10_000;
  let url: string | undefined;
  while (!(url = /^\s+(https:\/\/\S+\/oauth\/authorize\?\S+)$/m.exec(io.stderr())?.[1]) || (extra.includes('--callback-port') && !io.stderr().includes('waiting for the redirect'))) {
    if (Date.now() > until) throw new Error(`no authorization URL printed: ${io.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(new URL(url).searchParams.get('X-Correlation-ID')).toMatch(/^[0-9a-f-]{36}$/);
  const browser = new PgoSession({ patientUrl: gw.urls.patient, nodeUrl: gw.urls.node, ca: pem.ca, clientCert: pem.cert, clientKey: pem.key });
  const back = await authorizeWithSimulator(browser, url, { bsn: BSN });
  await browser.close();
  await deliver(back, io);
  const code = await running;
  return { code, io };
}

test('without --bsn: prints the authorization URL and takes the redirected URL pasted on stdin', async () => {
  const { code, io } = await browserFlow(['--service', '48'], async (back, io) => {
    io.input.write('not a url\n');
    io.input.write(`${back.href}\n`);
  });
  expect(io.stderr()).toContain('paste the URL');
  expect(io.stderr()).toContain('not a URL on https://pgo.listed.test/medmij/callback');
  expect(code).toBe(0);
});

test('without --bsn: catches the redirect on the local HTTPS callback server', async () => {
  const port = await freePort();
  const { code } = await browserFlow(['--service', '48', '--callback-port', String(port)], async (back) => {
    const agent = new Agent({ connect: { ca: pem.ca, servername: 'pgo.listed.test' } });
    const res = await request(`https://127.0.0.1:${port}${back.pathname}${back.search}`, { dispatcher: agent });
    expect(res.statusCode).toBe(200);
    await res.body.text();
    await agent.close();
  });
  expect(code).toBe(0);
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
