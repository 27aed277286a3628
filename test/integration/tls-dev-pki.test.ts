import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureDevPki, generateDevPki } from '../../gateway/pki/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'medmij-devpki-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

test('generateDevPki writes the eight files, 0600, and the leafs chain to the CA', async () => {
  const files = await generateDevPki(path.join(dir, 'a'));
  for (const f of [files.caCert, files.caKey, files.gatewayCert, files.gatewayKey, files.pgoListedCert, files.pgoListedKey, files.pgoUnlistedCert, files.pgoUnlistedKey]) {
    expect((await stat(f)).mode & 0o777).toBe(0o600);
  }
  const ca = new X509Certificate(await readFile(files.caCert));
  const listed = new X509Certificate(await readFile(files.pgoListedCert));
  expect(listed.verify(ca.publicKey)).toBe(true);
  expect(listed.checkPrivateKey((await import('node:crypto')).createPrivateKey(await readFile(files.pgoListedKey)))).toBe(true);
});

test('ensureDevPki generates only when a file is missing', async () => {
  const target = path.join(dir, 'b');
  expect(await ensureDevPki(target)).toBe(true);
  const first = await readFile(path.join(target, 'ca.crt'), 'utf8');
  expect(await ensureDevPki(target)).toBe(false);
  expect(await readFile(path.join(target, 'ca.crt'), 'utf8')).toBe(first);
  await unlink(path.join(target, 'pgo-unlisted.key'));
  expect(await ensureDevPki(target)).toBe(true);
  expect(await readFile(path.join(target, 'ca.crt'), 'utf8')).not.toBe(first);
});
