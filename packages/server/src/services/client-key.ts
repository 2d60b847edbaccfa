/**
 * The key a client's per-address limits count under: an IPv4 address as it is, an IPv6 address by
 * its network prefix (one customer usually has a whole /64), an IPv4-mapped IPv6 address
 * (`::ffff:1.2.3.4`) by its IPv4 address. Parsed in one pass, no regular expression.
 */
import { isIPv4, isIPv6 } from "node:net";

/** The 16 bytes of an IPv6 address (already checked by `isIPv6`; any zone id dropped). */
function ipv6Bytes(address: string): Uint8Array {
  const zone = address.indexOf("%");
  const text = zone === -1 ? address : address.slice(0, zone);
  const bytes = new Uint8Array(16);
  const gap = text.indexOf("::");
  const head = gap === -1 ? text : text.slice(0, gap);
  const tail = gap === -1 ? "" : text.slice(gap + 2);
  const headBytes = groupBytes(head);
  const tailBytes = groupBytes(tail);
  bytes.set(headBytes, 0);
  bytes.set(tailBytes, 16 - tailBytes.length);
  return bytes;
}

/** Bytes of colon-separated groups, the last of which may be a dotted IPv4 address. */
function groupBytes(text: string): number[] {
  if (text === "") return [];
  const bytes: number[] = [];
  for (const group of text.split(":")) {
    if (group.includes(".")) {
      for (const part of group.split(".")) bytes.push(Number(part));
    } else {
      const value = Number.parseInt(group, 16);
      bytes.push(value >> 8, value & 0xff);
    }
  }
  return bytes;
}

/** `prefixBits` (32–128) of an IPv6 address as `hex:…/bits`; IPv4 and anything else unchanged. */
export function clientKey(ip: string, prefixBits: number): string {
  if (isIPv4(ip) || !isIPv6(ip)) return ip;
  const bytes = ipv6Bytes(ip);
  const mapped =
    bytes.subarray(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return bytes.subarray(12).join(".");
  const groups: string[] = [];
  for (let bit = 0; bit < prefixBits; bit += 16) {
    const keep = Math.min(16, prefixBits - bit);
    const value = ((bytes[bit / 8]! << 8) | bytes[bit / 8 + 1]!) & (0xffff << (16 - keep)) & 0xffff;
    groups.push(value.toString(16));
  }
  return `${groups.join(":")}/${prefixBits}`;
}
