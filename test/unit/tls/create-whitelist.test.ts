import { createWhitelist } from '../../../gateway/tls/create-whitelist.js';

test('matches case-insensitively and exactly (no wildcards, no suffixes)', () => {
  const wl = createWhitelist(['PGO.Listed.test'], { volgnummer: 7 });
  expect(wl.kind).toBe('whitelist');
  expect(wl.volgnummer).toBe(7);
  expect(wl.has('pgo.listed.test')).toBe(true);
  expect(wl.has('PGO.LISTED.TEST')).toBe(true);
  expect(wl.has('x.pgo.listed.test')).toBe(false);
  expect(wl.has('listed.test')).toBe(false);
  expect([...wl.hostnames]).toEqual(['pgo.listed.test']);
});
