import ipaddr from 'ipaddr.js';
import type { FastifyRequest } from 'fastify';

/** IPv6 clients usually hold a whole /64: one subscriber, many addresses. */
const IPV6_SUBSCRIBER_PREFIX = 64;

/**
 * The client's address for per-IP limits: Fastify's `request.ip`, which honours
 * `IMAGEROUTER_TRUST_PROXY` (X-Forwarded-For from trusted proxies only). IPv4-mapped IPv6 becomes
 * plain IPv4; other IPv6 addresses count as their /64 network, so a client can't dodge a per-IP
 * cap by walking through its own prefix. Undefined when the socket gave no address.
 */
export function clientAddressOf(request: FastifyRequest): string | undefined {
  const raw = request.ip;
  if (!raw || !ipaddr.isValid(raw)) return raw || undefined;
  const address = ipaddr.process(raw);
  if (address.kind() === 'ipv4') return address.toString();
  const network = ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/${IPV6_SUBSCRIBER_PREFIX}`);
  return `${network.toString()}/${IPV6_SUBSCRIBER_PREFIX}`;
}
