import { constants } from 'node:crypto';
import { createNodeTlsOptions, createPatientTlsOptions, NCSC_GOOD_CIPHERS, NCSC_GOOD_CURVES } from '../../../gateway/tls/https-options.js';
import { ErrorCodes } from '../../../gateway/errors.js';

const pem = { cert: 'C', key: 'K', ca: 'A' };

test('node interface: client certificate requested, guard-enforced rejection, NCSC policy', () => {
  const o = createNodeTlsOptions(pem, { minVersion: 'TLSv1.2' });
  expect(o).toMatchObject({ requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', honorCipherOrder: true, ca: 'A' });
  expect(o.ciphers).toBe(NCSC_GOOD_CIPHERS);
  expect(o.ecdhCurve).toBe(NCSC_GOOD_CURVES);
  expect((o.secureOptions ?? 0) & constants.SSL_OP_NO_RENEGOTIATION).toBeTruthy();
  expect((o.secureOptions ?? 0) & constants.SSL_OP_NO_COMPRESSION).toBeTruthy();
  expect(createNodeTlsOptions(pem, { minVersion: 'TLSv1.3' }).minVersion).toBe('TLSv1.3');
});

test('node interface without a client CA is a configuration error', () => {
  expect(() => createNodeTlsOptions({ cert: 'C', key: 'K' }, { minVersion: 'TLSv1.2' })).toThrow(
    expect.objectContaining({ code: ErrorCodes.TLS_MATERIAL_INVALID }),
  );
});

test('patient interface: no client certificate, no CA, same suites', () => {
  const o = createPatientTlsOptions(pem, { minVersion: 'TLSv1.2' });
  expect(o.requestCert).toBe(false);
  expect(o).not.toHaveProperty('ca');
  expect(o.ciphers).toBe(NCSC_GOOD_CIPHERS);
});

test('only AEAD suites with ECDHE (TLS 1.2) or the three TLS 1.3 suites', () => {
  for (const suite of NCSC_GOOD_CIPHERS.split(':')) {
    expect(suite).toMatch(/^(TLS_(AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256|AES_128_GCM_SHA256)|ECDHE-(ECDSA|RSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305))$/);
  }
});
