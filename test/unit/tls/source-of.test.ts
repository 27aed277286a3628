import { describe, expect, it } from '@jest/globals';
import { sourceOf } from '../../../gateway/tls/index.js';

describe('sourceOf: the unit a connection budget is kept for', () => {
  it('is the IPv4 address, also when IPv4-mapped', () => {
    expect(sourceOf('127.0.0.2')).toBe('127.0.0.2');
    expect(sourceOf('::ffff:10.1.2.3')).toBe('10.1.2.3');
  });
  it('is the /64 for IPv6, however the address is written', () => {
    expect(sourceOf('2001:db8:0:1::5')).toBe('2001:db8:0:1::/64');
    expect(sourceOf('2001:0db8:0000:0001:ffff:1:2:3')).toBe('2001:db8:0:1::/64');
    expect(sourceOf('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(sourceOf('::1')).toBe('0:0:0:0::/64');
    expect(sourceOf('2001:db8:0:2::5')).not.toBe(sourceOf('2001:db8:0:1::5'));
  });
});
