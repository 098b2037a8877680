import { clientIpKey } from './internal/client-ip.js';

/**
 * The rate-limit key of a client address, as the middleware keys it: an IPv6 address by its
 * `ipv6Subnet` prefix (one customer holds a whole /56, so full addresses would let it rotate
 * past any limit), an IPv4-mapped IPv6 address as the IPv4 address. For limiters called
 * directly with an address (a login guard), so they count clients the way the middleware does.
 * @example
 * limiter.consume(ipRateLimitKey(req.ip)); // '2001:db8:1:100::/56'
 */
export function ipRateLimitKey(ip: string, ipv6Subnet: number | false = 56): string {
  return clientIpKey(ip, ipv6Subnet);
}
