import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { toFhirXml } from '../../gateway/fhir/fhir-xml.js';
import { runPgoClient, type PgoIo } from '../../gateway/pgo-client/index.js';
import { bloodPressureBatch, DELEN_BSN, DELEN_PATIENT, startDelenGateway, UNKNOWN_DELEN_BSN, waitForAudit } from '../helpers/delen.js';
import type { TestGateway } from '../helpers/gateway.js';
import { pgoGatewayArgs } from '../helpers/pgo-args.js';

/**
 * `medmij-gateway pgo share --bundle FILE` against the composed gateway (service 53 on the demo
 * EHR): the Delen OAuth flow with the DigiD simulator, the code exchange and the POST over
 * two-sided TLS, and one printed status per entry.
 */
let gw: TestGateway;
let dir: string;

beforeAll(async () => {
  [gw, dir] = await Promise.all([startDelenGateway(), mkdtemp(path.join(os.tmpdir(), 'pgo-share-'))]);
});
afterAll(async () => {
  await gw?.close();
  await rm(dir, { recursive: true, force: true });
});

function capture(): PgoIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => void (out += t), err: (t) => void (err += t), input: new PassThrough(), stdout: () => out, stderr: () => err };
}

function args(bundle: string, extra: string[] = []): string[] {
  return [
    'share',
    '--bundle', bundle,
    ...pgoGatewayArgs(gw),
    ...extra,
  ];
}

async function bundleFile(name: string, content: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, content);
  return file;
}

test('runs the Delen flow, POSTs the bundle and prints each entry\'s status; exit 0', async () => {
  const io = capture();
  const before = gw.audit.ofType('show_confirmation_page').length;
  const code = await runPgoClient(args(await bundleFile('bp.json', JSON.stringify(bloodPressureBatch(128))), ['--bsn', DELEN_BSN]), io);
  expect(io.stderr()).not.toContain('medmij-gateway pgo share:');
  expect(code).toBe(0);
  const out = io.stdout();
  expect(out).toMatch(/^POST https:\/\/(localhost|127\.0\.0\.1):\d+\/fhir\/demoziekenhuis\/53: HTTP 200, 2 entries$/m);
  expect(out).toMatch(new RegExp(`^\\s+1  200 OK  Patient/${DELEN_PATIENT}$`, 'm'));
  expect(out).toMatch(/^\s+2  201 Created  Observation\/[0-9a-f-]{36}/m);
  expect(out).toContain('Totals: 2 entries, 2 accepted, 0 refused');
  // The scope of the token and that no refresh token came (the client warns if one does).
  expect(io.stderr()).toContain('scope "demoziekenhuis~53"');
  expect(io.stderr()).not.toContain('refresh token');
  expect(io.stderr() + out).not.toContain(DELEN_BSN);
  // The run went through the Bevestigingsverklaring.
  await waitForAudit(gw.audit, () => gw.audit.ofType('show_confirmation_page').length === before + 1);
});

test('sends an XML bundle as application/fhir+xml', async () => {
  const io = capture();
  const code = await runPgoClient(args(await bundleFile('bp.xml', toFhirXml(bloodPressureBatch(121), 'STU3')), ['--bsn', DELEN_BSN]), io);
  expect(io.stderr()).not.toContain('medmij-gateway pgo share:');
  expect(code).toBe(0);
  expect(io.stdout()).toContain('Totals: 2 entries, 2 accepted, 0 refused');
});

test('prints the refusal of an invalid entry with its diagnostics; exit 1', async () => {
  const batch = bloodPressureBatch(130) as unknown as { entry: Array<{ resource: Record<string, unknown> }> };
  delete batch.entry[1]!.resource['status'];
  const io = capture();
  const code = await runPgoClient(args(await bundleFile('invalid.json', JSON.stringify(batch)), ['--bsn', DELEN_BSN]), io);
  expect(code).toBe(1);
  expect(io.stdout()).toMatch(/^\s+2  422 \S.*status/m);
  expect(io.stdout()).toContain('Totals: 2 entries, 1 accepted, 1 refused');
});

test('an unknown patient is refused at the acceptance check: one clear line, exit 1', async () => {
  const io = capture();
  const code = await runPgoClient(args(await bundleFile('bp2.json', JSON.stringify(bloodPressureBatch(122))), ['--bsn', UNKNOWN_DELEN_BSN]), io);
  expect(code).toBe(1);
  expect(io.stderr()).toContain('medmij-gateway pgo share: the authorization server answered error=access_denied error_description="The care provider cannot accept this data for this person."');
  expect(io.stdout()).toBe('');
});

test.each([
  [['share', '--bsn', DELEN_BSN], '--bundle <file> is required'],
  [['share', '--bundle', 'x.json', '--long-term'], '--long-term does not exist for Delen'],
  [['share', '--bundle', 'x.json', '--raw'], 'pgo share prints one status per entry'],
])('refuses the usage %j with exit 2', async (argv, message) => {
  const io = capture();
  expect(await runPgoClient(argv, io)).toBe(2);
  expect(io.stderr()).toContain(message);
});

test('refuses a file that is no batch or transaction Bundle before any flow starts', async () => {
  const io = capture();
  const code = await runPgoClient(args(await bundleFile('patient.json', JSON.stringify({ resourceType: 'Patient' })), ['--bsn', DELEN_BSN]), io);
  expect(code).toBe(1);
  expect(io.stderr()).toContain('is not a FHIR batch or transaction Bundle');
});
