import { describe, expect, it } from 'vitest';
import { clientIpKey } from '../src/internal/client-ip.js';

describe('clientIpKey', () => {
  it('keys IPv4 clients by address', () => {
    expect(clientIpKey('203.0.113.7', 56)).toBe('203.0.113.7');
  });

  it('groups IPv6 clients by /56, however the address is written', () => {
    const a = clientIpKey('2001:db8:1234:5678::1', 56);
    expect(a).toBe('2001:db8:1234:5600:0:0:0:0/56');
    expect(clientIpKey('2001:0db8:1234:56ff:ffff:ffff:ffff:ffff', 56)).toBe(a);
    expect(clientIpKey('2001:db8:1234:5700::1', 56)).not.toBe(a);
  });

  it('honours other prefix lengths and false (full address)', () => {
    expect(clientIpKey('2001:db8:1234:5678::1', 48)).toBe('2001:db8:1234:0:0:0:0:0/48');
    expect(clientIpKey('2001:db8::1', false)).toBe('2001:db8:0:0:0:0:0:1');
    expect(clientIpKey('::1', 56)).toBe('0:0:0:0:0:0:0:0/56');
  });

  it('keys IPv4-mapped IPv6 addresses as the IPv4 address', () => {
    expect(clientIpKey('::ffff:203.0.113.7', 56)).toBe('203.0.113.7');
    expect(clientIpKey('::ffff:cb00:7107', 56)).toBe('203.0.113.7');
  });

  it('drops a zone id', () => {
    expect(clientIpKey('fe80::1%eth0', false)).toBe('fe80:0:0:0:0:0:0:1');
  });
});
