import { describe, expect, it } from 'vitest';
import { createAddressPolicy } from '../../../src/net/address-policy.js';

const HOST = 'images.example.com';

describe('createAddressPolicy without an allowlist', () => {
  const policy = createAddressPolicy([]);

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback /8'],
    ['10.0.0.1', 'private 10/8'],
    ['172.16.0.1', 'private 172.16/12'],
    ['172.31.255.255', 'private 172.16/12 upper end'],
    ['192.168.1.1', 'private 192.168/16'],
    ['169.254.169.254', 'link-local cloud metadata'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'this network 0/8'],
    ['100.64.0.1', 'CGNAT'],
    ['100.127.255.255', 'CGNAT upper end'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast SSDP'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved 240/4'],
    ['198.18.0.1', 'benchmarking 198.18/15'],
    ['198.19.255.255', 'benchmarking upper end'],
    ['192.0.2.1', 'TEST-NET-1'],
    ['198.51.100.1', 'TEST-NET-2'],
    ['203.0.113.1', 'TEST-NET-3'],
    ['192.0.0.1', 'IETF protocol assignments'],
  ])('blocks IPv4 %s (%s)', (address) => {
    expect(policy.isAllowed(address, HOST)).toBe(false);
  });

  it.each([
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'unique local'],
    ['fd12:3456::1', 'unique local fd'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local with a zone'],
    ['febf::1', 'link-local upper end'],
    ['fec0::1', 'deprecated site-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation (RFC 9637)'],
    ['2001:2::1', 'benchmarking'],
    ['100::1', 'discard'],
    ['4000::1', 'outside global unicast 2000::/3'],
    ['64:ff9b:1::1', 'local-use NAT64'],
  ])('blocks IPv6 %s (%s)', (address) => {
    expect(policy.isAllowed(address, HOST)).toBe(false);
  });

  it.each([
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex spelling'],
    ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['::127.0.0.1', 'IPv4-compatible loopback'],
    ['::10.0.0.1', 'IPv4-compatible private'],
    ['::ffff:0:127.0.0.1', 'IPv4-translated (RFC 6145)'],
    ['64:ff9b::127.0.0.1', 'NAT64 loopback'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 metadata'],
    ['2002:7f00:1::1', '6to4 of 127.0.0.1'],
    ['2002:a00:1::1', '6to4 of 10.0.0.1'],
    ['2002:c0a8:101::1', '6to4 of 192.168.1.1'],
    ['2001:0:4136:e378:8000:63bf:f5ff:fffe', 'Teredo with client 10.0.0.1'],
    ['2001:0:a00:1:8000:63bf:a247:27dd', 'Teredo with server 10.0.0.1'],
  ])('blocks IPv6 %s embedding a blocked IPv4 (%s)', (address) => {
    expect(policy.isAllowed(address, HOST)).toBe(false);
  });

  it.each([
    ['93.184.216.34', 'public IPv4'],
    ['8.8.8.8', 'public IPv4'],
    ['172.32.0.1', 'just outside 172.16/12'],
    ['100.128.0.1', 'just outside CGNAT'],
    ['2606:2800:220:1:248:1893:25c8:1946', 'public IPv6'],
    ['::ffff:93.184.216.34', 'IPv4-mapped public'],
    ['64:ff9b::5db8:d822', 'NAT64 of a public IPv4 (DNS64 networks)'],
    ['2002:5db8:d822::1', '6to4 of a public IPv4'],
    ['2001:0:4136:e378:8000:63bf:a247:27dd', 'Teredo with public server and client'],
  ])('allows %s (%s)', (address) => {
    expect(policy.isAllowed(address, HOST)).toBe(true);
  });

  it('fails closed on something that is not an IP literal', () => {
    expect(policy.isAllowed('localhost', 'localhost')).toBe(false);
    expect(policy.isAllowed('', HOST)).toBe(false);
  });
});

describe('createAddressPolicy with an allowlist', () => {
  it('allows an exact IPv4 literal and nothing next to it', () => {
    const policy = createAddressPolicy(['127.0.0.1']);
    expect(policy.isAllowed('127.0.0.1', HOST)).toBe(true);
    expect(policy.isAllowed('127.0.0.2', HOST)).toBe(false);
    expect(policy.isAllowed('::1', HOST)).toBe(false);
  });

  it('treats the IPv4-mapped spelling as the same address', () => {
    expect(createAddressPolicy(['127.0.0.1']).isAllowed('::ffff:127.0.0.1', HOST)).toBe(true);
    expect(createAddressPolicy(['::ffff:127.0.0.1']).isAllowed('127.0.0.1', HOST)).toBe(true);
  });

  it('does not extend an IPv4 entry to NAT64 or 6to4 forms', () => {
    const policy = createAddressPolicy(['127.0.0.0/8']);
    expect(policy.isAllowed('64:ff9b::127.0.0.1', HOST)).toBe(false);
    expect(policy.isAllowed('2002:7f00:1::1', HOST)).toBe(false);
  });

  it('allows IPv4 CIDRs', () => {
    const policy = createAddressPolicy(['127.0.0.0/8', '10.1.0.0/16']);
    expect(policy.isAllowed('127.0.0.2', HOST)).toBe(true);
    expect(policy.isAllowed('10.1.255.7', HOST)).toBe(true);
    expect(policy.isAllowed('10.2.0.1', HOST)).toBe(false);
    expect(policy.isAllowed('169.254.169.254', HOST)).toBe(false);
  });

  it('allows IPv6 CIDRs and literals', () => {
    const policy = createAddressPolicy(['::1/128', 'fd00:1::/32']);
    expect(policy.isAllowed('::1', HOST)).toBe(true);
    expect(policy.isAllowed('fd00:1:2::3', HOST)).toBe(true);
    expect(policy.isAllowed('fd00:2::3', HOST)).toBe(false);
    expect(policy.isAllowed('127.0.0.1', HOST)).toBe(false);
    expect(createAddressPolicy(['::1']).isAllowed('::1', HOST)).toBe(true);
  });

  it('allows any address of an allowlisted hostname, case-insensitively', () => {
    const policy = createAddressPolicy(['LocalHost', 'minio.internal']);
    expect(policy.isAllowed('127.0.0.1', 'localhost')).toBe(true);
    expect(policy.isAllowed('::1', 'LOCALHOST')).toBe(true);
    expect(policy.isAllowed('127.0.0.1', 'localhost.')).toBe(true);
    expect(policy.isAllowed('10.0.0.5', 'minio.internal')).toBe(true);
    expect(policy.isAllowed('10.0.0.5', 'evil.minio.internal')).toBe(false);
    expect(policy.isAllowed('10.0.0.5', 'minio.internal.evil.com')).toBe(false);
    expect(policy.isAllowed('127.0.0.1', '127.0.0.1')).toBe(false);
  });

  it('matches internationalised hostnames in their punycode form', () => {
    expect(createAddressPolicy(['bücher.internal']).isAllowed('10.0.0.1', 'xn--bcher-kva.internal')).toBe(true);
  });

  it('ignores blank entries', () => {
    expect(() => createAddressPolicy(['', '  '])).not.toThrow();
  });

  it.each([
    'http://minio.internal',
    'minio.internal:9000',
    '*.internal',
    'minio.internal/path',
    '10.0.0.0/33',
    '10.0.0/8',
    'fd00::/129',
    '0x7f.1',
    '2130706433',
    '127.1',
    'two words',
    'under_score-.example',
  ])('throws for the invalid entry %j, naming it', (entry) => {
    expect(() => createAddressPolicy(['localhost', entry])).toThrow(`'${entry}'`);
  });
});
