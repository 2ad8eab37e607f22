import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import ipaddr from 'ipaddr.js';

/**
 * Which addresses the guarded downloader may connect to. Built once at boot from
 * `IMAGEROUTER_URL_ALLOWLIST` and shared by every download.
 */
export interface AddressPolicy {
  /**
   * True when connecting to `address` (an IP literal, as DNS returned it or as the URL spelled it)
   * for a URL whose host is `hostname` (lower-case, IPv6 without brackets) is allowed: the address
   * is public, or the hostname, address or a CIDR containing it is allowlisted.
   */
  isAllowed(address: string, hostname: string): boolean;
}

type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;
type Network = [IpAddress, number];

// IANA allocates public IPv6 space only from 2000::/3; anything outside it is not the internet.
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');
// Prefixes that carry an IPv4 address inside an IPv6 one: they are public only if that IPv4 is.
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');
const SIX_TO_FOUR = ipaddr.IPv6.parseCIDR('2002::/16');
const TEREDO = ipaddr.IPv6.parseCIDR('2001::/32');

// RFC 1123 labels; `_` tolerated because internal DNS names (docker, k8s) use it.
const HOSTNAME_PATTERN = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/**
 * Builds the policy from allowlist entries: hostnames (exact, case-insensitive), IP literals or CIDRs.
 * Throws on an invalid entry, naming it, so a typo fails at boot instead of silently blocking.
 */
export function createAddressPolicy(allowlist: string[]): AddressPolicy {
  const hostnames = new Set<string>();
  const networks: Network[] = [];
  for (const rawEntry of allowlist) {
    const entry = rawEntry.trim();
    if (entry === '') continue;
    const network = parseNetworkEntry(entry);
    if (network) networks.push(network);
    else hostnames.add(parseHostnameEntry(entry));
  }

  return {
    isAllowed(address: string, hostname: string): boolean {
      if (hostnames.size > 0 && hostnames.has(normaliseHostname(hostname))) return true;
      const parsed = parseAddress(address);
      // Not an IP literal: we cannot know where it leads, so fail closed.
      if (!parsed) return false;
      const forms = equivalentForms(parsed);
      if (networks.some((network) => forms.some((form) => inNetwork(form, network)))) return true;
      return isPublicAddress(parsed);
    },
  };
}

/** True for addresses on the public internet; every special-purpose range counts as internal. */
function isPublicAddress(address: IpAddress): boolean {
  if (address instanceof ipaddr.IPv4) return isPublicIpv4(address);
  const embedded = embeddedIpv4Addresses(address);
  if (embedded) return embedded.every(isPublicIpv4);
  return address.range() === 'unicast' && address.match(GLOBAL_UNICAST_V6);
}

function isPublicIpv4(address: ipaddr.IPv4): boolean {
  // `range()` names loopback, private, linkLocal, carrierGradeNat, unspecified, broadcast, multicast,
  // reserved (240/4, 198.18/15 benchmarking, documentation nets), as112 and amt; only plain unicast is public.
  return address.range() === 'unicast';
}

/** The IPv4 addresses a transition-mechanism IPv6 address leads to, or undefined for a native one. */
function embeddedIpv4Addresses(address: ipaddr.IPv6): ipaddr.IPv4[] | undefined {
  const parts = address.parts;
  const part = (index: number): number => parts[index] ?? 0;
  if (address.isIPv4MappedAddress() || address.match(NAT64_WELL_KNOWN)) return [ipv4FromParts(part(6), part(7))];
  if (address.match(SIX_TO_FOUR)) return [ipv4FromParts(part(1), part(2))];
  // Teredo: the server address in clear, the client address bit-inverted in the last 32 bits.
  if (address.match(TEREDO)) return [ipv4FromParts(part(2), part(3)), ipv4FromParts(~part(6) & 0xffff, ~part(7) & 0xffff)];
  return undefined;
}

function ipv4FromParts(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

/** `::ffff:127.0.0.1` is the same socket address as `127.0.0.1`, so allowlist entries match either spelling. */
function equivalentForms(address: IpAddress): IpAddress[] {
  if (address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress()) return [address, address.toIPv4Address()];
  return [address];
}

function inNetwork(address: IpAddress, [network, prefixLength]: Network): boolean {
  // ipaddr.js throws when matching across families.
  return address.kind() === network.kind() && address.match(network, prefixLength);
}

function parseAddress(address: string): IpAddress | undefined {
  if (!ipaddr.isValid(address)) return undefined;
  return ipaddr.parse(address);
}

/** An IP literal or CIDR entry as a network, or undefined when the entry is not one. */
function parseNetworkEntry(entry: string): Network | undefined {
  if (entry.includes('/')) {
    const valid = ipaddr.IPv4.isValidCIDRFourPartDecimal(entry) || ipaddr.IPv6.isValidCIDR(entry);
    if (!valid) throw invalidEntry(entry, 'is not a valid CIDR (e.g. 10.1.0.0/16 or fd00::/8)');
    return ipaddr.parseCIDR(entry);
  }
  if (ipaddr.IPv4.isValidFourPartDecimal(entry) || ipaddr.IPv6.isValid(entry)) {
    const address = ipaddr.process(entry);
    return [address, address instanceof ipaddr.IPv4 ? 32 : 128];
  }
  return undefined;
}

function parseHostnameEntry(entry: string): string {
  // The same IDNA mapping the WHATWG URL parser applies, so `Bücher.de` matches `xn--bcher-kva.de`.
  const ascii = normaliseHostname(domainToASCII(entry));
  // The URL parser turns `0x7f.1` or `2130706433` into an IPv4 address: ambiguous as a hostname.
  if (ascii !== '' && isIP(ascii) !== 0)
    throw invalidEntry(entry, 'is an IPv4 address in a non-standard form; write it as four decimal parts');
  if (!HOSTNAME_PATTERN.test(ascii)) {
    throw invalidEntry(entry, 'is not a hostname, IP address or CIDR (no schemes, ports, paths or wildcards)');
  }
  return ascii;
}

function normaliseHostname(hostname: string): string {
  const lower = hostname.toLowerCase();
  const unbracketed = lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
  // `localhost.` and `localhost` name the same host.
  return unbracketed.endsWith('.') ? unbracketed.slice(0, -1) : unbracketed;
}

function invalidEntry(entry: string, problem: string): Error {
  return new Error(`IMAGEROUTER_URL_ALLOWLIST entry '${entry}' ${problem}`);
}
