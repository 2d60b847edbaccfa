/**
 * The key a client's per-address limits count under: an IPv4 address as it is, an IPv6 address by
 * its network prefix (one customer usually has a whole /64), an IPv4-mapped IPv6 address
 * (`::ffff:1.2.3.4`) by its IPv4 address.
 */
import { isIPv6 } from "node:net";
import ipaddr from "ipaddr.js";

/** `prefixBits` (32–128) of an IPv6 address as `hex:…/bits`; IPv4 and anything else unchanged. */
export function clientKey(ip: string, prefixBits: number): string {
  if (!isIPv6(ip)) return ip;
  const address = ipaddr.IPv6.parse(ip);
  if (address.isIPv4MappedAddress()) return address.toIPv4Address().toString();
  const groups = address.parts.slice(0, Math.ceil(prefixBits / 16)).map((part, index) => {
    const kept = Math.min(16, prefixBits - index * 16);
    return (part & (0xffff << (16 - kept)) & 0xffff).toString(16);
  });
  return `${groups.join(":")}/${prefixBits}`;
}
