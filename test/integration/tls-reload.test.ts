import { X509Certificate } from 'node:crypto';
import { copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { ErrorCodes, GatewayError } from '../../gateway/errors.js';
import { createLogger } from '../../gateway/observability/logger.js';
import { createReloadableTlsMaterial, createWhitelist } from '../../gateway/tls/index.js';
import { createTestPki, type PemPair, type TestPki } from '../helpers/certs.js';
import { requestOnce, startNodeServer } from './tls-harness.js';

let pki: TestPki;
let second: PemPair;
const fp = (pem: string) => new X509Certificate(pem).fingerprint256;

beforeAll(async () => {
  pki = await createTestPki();
  second = await pki.issue('gateway-2', { subjectCn: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
});
afterAll(() => pki.cleanup());

/** A fresh copy of the gateway's files per test, so tests can overwrite them. */
async function serverFiles(name: string): Promise<{ certFile: string; keyFile: string }> {
  const certFile = path.join(pki.dir, `${name}.crt`);
  const keyFile = path.join(pki.dir, `${name}.key`);
  await copyFile(pki.gateway.certFile, certFile);
  await copyFile(pki.gateway.keyFile, keyFile);
  return { certFile, keyFile };
}

function captureLog() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger({ level: 'info', destination }), lines };
}

const listed = () => createWhitelist([pki.listedHost]);

test('reload() swaps the server certificate for new connections, without restart', async () => {
  const files = await serverFiles('reload-ok');
  const node = await startNodeServer(pki, { whitelist: listed, ...files });
  try {
    const before = await requestOnce(node.port, { client: pki.pgoListed, ca: pki.ca.cert });
    expect(before.serverFingerprint).toBe(fp(pki.gateway.cert));
    expect(await node.material.reload()).toBe('unchanged');
    await writeFile(files.keyFile, second.key);
    await writeFile(files.certFile, second.cert);
    expect(await node.material.reload()).toBe('reloaded');
    const after = await requestOnce(node.port, { client: pki.pgoListed, ca: pki.ca.cert });
    expect(after.serverFingerprint).toBe(fp(second.cert));
    expect(after.status).toBe(200);
    // The client CA and guard survive the new context: an unlisted peer is still refused.
    const refused = await requestOnce(node.port, { client: pki.pgoUnlisted, ca: pki.ca.cert });
    expect(refused.status).toBeUndefined();
    expect(node.audit.ofType('tls_connection_refused')).toEqual([expect.objectContaining({ reason: 'not_whitelisted' })]);
  } finally {
    await node.close();
  }
});

test.each([
  ['a garbage certificate', async (f: { certFile: string; keyFile: string }) => writeFile(f.certFile, 'not a certificate'), 'reload-garbage.crt'],
  ['a key that does not match', async (f: { certFile: string; keyFile: string }) => writeFile(f.keyFile, second.key), 'reload-mismatch.key'],
  [
    'an expired certificate',
    async (f: { certFile: string; keyFile: string }) => {
      await writeFile(f.certFile, pki.pgoExpired.cert);
      await writeFile(f.keyFile, pki.pgoExpired.key);
    },
    'reload-expired.crt',
  ],
])('%s never replaces the good material; the error names the file', async (_label, breakIt, badFile) => {
  const name = badFile.replace(/\.(crt|key)$/, '');
  const files = await serverFiles(name);
  const { log, lines } = captureLog();
  const node = await startNodeServer(pki, { whitelist: listed, log, ...files });
  try {
    await breakIt(files);
    expect(await node.material.reload()).toBe('rejected');
    const error = lines.find((l) => l.level === 'error');
    expect(error?.code).toBe(ErrorCodes.TLS_MATERIAL_INVALID);
    expect(String(error?.msg)).toContain(badFile);
    const after = await requestOnce(node.port, { client: pki.pgoListed, ca: pki.ca.cert });
    expect(after.serverFingerprint).toBe(fp(pki.gateway.cert));
    expect(after.status).toBe(200);
  } finally {
    await node.close();
  }
});

test('at startup, bad material throws GatewayError TLS_MATERIAL_INVALID naming the file', async () => {
  const files = await serverFiles('startup-bad');
  await writeFile(files.keyFile, second.key);
  const create = () => createReloadableTlsMaterial({ ...files, caFile: pki.ca.certFile, watch: false, log: createLogger({ level: 'silent' }) });
  expect(create).toThrow(GatewayError);
  expect(create).toThrow(/startup-bad\.key.*does not match/);
  const missing = () =>
    createReloadableTlsMaterial({ certFile: path.join(pki.dir, 'nope.crt'), keyFile: files.keyFile, watch: false, log: createLogger({ level: 'silent' }) });
  expect(missing).toThrow(/nope\.crt.*cannot be read/);
});

test('with watch: true, replacing the files is picked up without a reload() call', async () => {
  const files = await serverFiles('reload-watch');
  const node = await startNodeServer(pki, { whitelist: listed, watch: true, ...files });
  try {
    // Replace by rename, the way certificate managers and Kubernetes secret mounts do.
    await writeFile(`${files.keyFile}.new`, second.key);
    await writeFile(`${files.certFile}.new`, second.cert);
    const { rename } = await import('node:fs/promises');
    await rename(`${files.keyFile}.new`, files.keyFile);
    await rename(`${files.certFile}.new`, files.certFile);
    let seen: string | undefined;
    for (let i = 0; i < 40 && seen !== fp(second.cert); i++) {
      await new Promise((r) => setTimeout(r, 50));
      seen = (await requestOnce(node.port, { client: pki.pgoListed, ca: pki.ca.cert })).serverFingerprint;
    }
    expect(seen).toBe(fp(second.cert));
  } finally {
    await node.close();
  }
});
