import { isHostname, parseDnsAltNames } from '../../../gateway/tls/parse-dns-alt-names.js';

test('reads DNS names in lowercase and skips IP and other entries', () => {
  expect(parseDnsAltNames('DNS:PGO.Example.test, IP Address:127.0.0.1, DNS:b.test, email:x@y.test')).toEqual(['pgo.example.test', 'b.test']);
});

test('a quoted name cannot smuggle a second entry (CVE-2021-44532 shape)', () => {
  // Node quotes a SAN holding ", " as a JSON string; a naive split would find DNS:evil.test.
  expect(parseDnsAltNames('DNS:"x\\", DNS:evil.test", DNS:good.test')).toEqual(['good.test']);
  expect(parseDnsAltNames('DNS:"a, DNS:evil.test"')).toEqual([]);
});

test('wildcards, IP literals and empty input give nothing', () => {
  expect(parseDnsAltNames('DNS:*.example.test, DNS:10.0.0.1x_, DNS:')).toEqual([]);
  expect(parseDnsAltNames(undefined)).toEqual([]);
  expect(parseDnsAltNames('')).toEqual([]);
});

test('isHostname follows RFC 1123 label rules', () => {
  expect(isHostname('a-b.c1.test')).toBe(true);
  expect(isHostname('-a.test')).toBe(false);
  expect(isHostname('a..test')).toBe(false);
  expect(isHostname(`${'a'.repeat(64)}.test`)).toBe(false);
  expect(isHostname('A.test')).toBe(false); // callers lowercase first
});
