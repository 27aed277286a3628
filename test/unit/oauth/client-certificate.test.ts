import { describe, expect, it } from '@jest/globals';
import { certificateActsForClient } from '../../../gateway/oauth/client-certificate.js';

describe('certificateActsForClient', () => {
  it('accepts a certificate that names the client_id host, in any letter case', () => {
    expect(certificateActsForClient('pgo.voorbeeld.nl', ['pgo.voorbeeld.nl'], {})).toBe(true);
    expect(certificateActsForClient('PGO.voorbeeld.nl', ['other.nl', 'pgo.VOORBEELD.nl'], {})).toBe(true);
  });
  it("refuses another participant's certificate, and a look-alike name", () => {
    expect(certificateActsForClient('pgo.voorbeeld.nl', ['pgo.ander.nl'], {})).toBe(false);
    expect(certificateActsForClient('pgo.voorbeeld.nl', ['pgo.voorbeeld.nl.evil.nl', 'x.pgo.voorbeeld.nl'], {})).toBe(false);
    expect(certificateActsForClient('pgo.voorbeeld.nl', [], {})).toBe(false);
  });
  it('accepts the hosts mapped to that client only, never an inherited object key', () => {
    const mapped = { 'pgo.voorbeeld.nl': ['node.voorbeeld.nl'] };
    expect(certificateActsForClient('pgo.voorbeeld.nl', ['node.voorbeeld.nl'], mapped)).toBe(true);
    expect(certificateActsForClient('pgo.ander.nl', ['node.voorbeeld.nl'], mapped)).toBe(false);
    expect(certificateActsForClient('constructor', ['x.nl'], mapped)).toBe(false);
  });
});
