import { isIPv4, isIPv6 } from 'node:net';

/** An IP address as bytes: 4 for IPv4, 16 for IPv6. */
export interface IpAddress {
  family: 4 | 6;
  bytes: Uint8Array;
}

/** A block of addresses: the first `prefix` bits of `base`. */
export interface AddressBlock {
  base: IpAddress;
  prefix: number;
}

/**
 * Parses a literal IPv4 (dotted quad) or IPv6 address, brackets allowed; `undefined` for
 * anything else (host names, the short or numeric IPv4 spellings, which `new URL` has already
 * normalised to dotted quads by the time a host reaches here).
 */
export function parseIpAddress(text: string): IpAddress | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isIPv4(bare)) return { family: 4, bytes: Uint8Array.from(bare.split('.').map(Number)) };
  if (!isIPv6(bare)) return undefined;
  const withoutZone = bare.split('%')[0] ?? bare;
  let head = withoutZone;
  let tail: number[] = [];
  // An embedded dotted quad at the end (::ffff:127.0.0.1) is two groups.
  const lastColon = head.lastIndexOf(':');
  const last = head.slice(lastColon + 1);
  if (isIPv4(last)) {
    const quad = last.split('.').map(Number) as [number, number, number, number];
    tail = [(quad[0] << 8) | quad[1], (quad[2] << 8) | quad[3]];
    head = head.slice(0, lastColon + 1);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const [left = '', right] = head.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16)));
  const leftGroups = groups(left);
  const rightGroups = [...(right === undefined ? [] : groups(right)), ...tail];
  const missing = 8 - leftGroups.length - rightGroups.length;
  const all = right === undefined ? [...leftGroups, ...tail] : [...leftGroups, ...new Array<number>(missing).fill(0), ...rightGroups];
  const bytes = new Uint8Array(16);
  all.forEach((group, index) => {
    bytes[index * 2] = group >> 8;
    bytes[index * 2 + 1] = group & 0xff;
  });
  return { family: 6, bytes };
}

/**
 * Parses `address` or `address/prefix` (IPv4 or IPv6) into a block; `undefined` if it is not one.
 * A bare address is a block of one.
 */
export function parseAddressBlock(text: string): AddressBlock | undefined {
  const [address = '', prefixText, extra] = text.split('/');
  if (extra !== undefined) return undefined;
  const base = parseIpAddress(address);
  if (base === undefined) return undefined;
  const width = base.family === 4 ? 32 : 128;
  if (prefixText === undefined) return { base, prefix: width };
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  return prefix <= width ? { base, prefix } : undefined;
}

/** Whether `address` lies in `block` (an IPv4-mapped IPv6 address matches IPv4 blocks). */
export function inBlock(address: IpAddress, block: AddressBlock): boolean {
  const candidate = address.family === block.base.family ? address : (embeddedIpv4(address) ?? address);
  if (candidate.family !== block.base.family) return false;
  for (let bit = 0; bit < block.prefix; bit += 1) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if (((candidate.bytes[byte] ?? 0) & mask) !== ((block.base.bytes[byte] ?? 0) & mask)) return false;
  }
  return true;
}

/** Kinds of address a webhook may not reach unless the deployment allows it. */
export type RestrictedKind = 'loopback' | 'private' | 'link-local' | 'unspecified' | 'multicast' | 'reserved';

const restrictedBlocks = (
  [
    ['0.0.0.0/8', 'unspecified'],
    ['10.0.0.0/8', 'private'],
    ['100.64.0.0/10', 'private'],
    ['127.0.0.0/8', 'loopback'],
    ['169.254.0.0/16', 'link-local'],
    ['172.16.0.0/12', 'private'],
    ['192.0.0.0/24', 'reserved'],
    ['192.0.2.0/24', 'reserved'],
    ['192.88.99.0/24', 'reserved'],
    ['192.168.0.0/16', 'private'],
    ['198.18.0.0/15', 'reserved'],
    ['198.51.100.0/24', 'reserved'],
    ['203.0.113.0/24', 'reserved'],
    ['224.0.0.0/4', 'multicast'],
    ['240.0.0.0/4', 'reserved'],
    ['::/128', 'unspecified'],
    ['::1/128', 'loopback'],
    ['100::/64', 'reserved'],
    ['2001:db8::/32', 'reserved'],
    ['fc00::/7', 'private'],
    ['fe80::/10', 'link-local'],
    ['fec0::/10', 'private'],
    ['ff00::/8', 'multicast'],
  ] as const
).map(([cidr, kind]) => {
  const block = parseAddressBlock(cidr);
  if (block === undefined) throw new Error(`bad built-in address block ${cidr}`);
  return { block, kind: kind as RestrictedKind };
});

/**
 * What kind of restricted address `address` is, or `undefined` for a public unicast one. IPv6
 * forms that carry an IPv4 address (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64
 * `64:ff9b::/96`, 6to4 `2002::/16`) are judged by the IPv4 address inside.
 */
export function restrictedKind(address: IpAddress): RestrictedKind | undefined {
  const inner = embeddedIpv4(address);
  if (inner !== undefined) return restrictedKind(inner);
  return restrictedBlocks.find(({ block }) => block.base.family === address.family && inBlock(address, block))?.kind;
}

function embeddedIpv4(address: IpAddress): IpAddress | undefined {
  if (address.family !== 6) return undefined;
  const b = address.bytes;
  const zeros = (from: number, to: number) => b.slice(from, to).every((byte) => byte === 0);
  const quad = (at: number): IpAddress => ({ family: 4, bytes: b.slice(at, at + 4) });
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return quad(12);
  // ::a.b.c.d (deprecated IPv4-compatible), but not :: and ::1 themselves.
  if (zeros(0, 12) && !zeros(12, 15)) return quad(12);
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return quad(12);
  if (b[0] === 0x20 && b[1] === 0x02) return quad(2);
  return undefined;
}
