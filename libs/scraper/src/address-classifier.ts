import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * What kind of address an IP is, as far as the scraper cares: `public` is the only class it may
 * connect to. Everything else is somewhere a user-supplied URL must never reach (SSRF): this host,
 * the LAN, the cloud provider's metadata service, or ranges that are not ordinary unicast.
 */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link_local'
  | 'metadata'
  | 'unspecified'
  | 'multicast'
  | 'reserved'
  | 'unique_local'
  | 'invalid';

type BlockedClass = Exclude<AddressClass, 'public'>;

const DESCRIPTIONS: Record<BlockedClass, string> = {
  loopback: 'a loopback address',
  private: 'a private network address',
  shared: 'a carrier-grade NAT (shared) address',
  link_local: 'a link-local address',
  metadata: 'a cloud metadata service address',
  unspecified: 'an unspecified ("this network") address',
  multicast: 'a multicast address',
  reserved: 'a reserved or special-purpose address',
  unique_local: 'a private (unique local) IPv6 address',
  invalid: 'an address that is not a valid IP',
};

/** Human wording for a blocked class, to fill "points to <description> (<ip>)". */
export function describeAddressClass(addressClass: BlockedClass): string {
  return DESCRIPTIONS[addressClass];
}

// Checked in order, so the specific metadata addresses win over the ranges that contain them.
const IPV4_RULES: ReadonlyArray<[BlockedClass, string[]]> = [
  ['metadata', ['169.254.169.254/32', '100.100.100.200/32']],
  ['unspecified', ['0.0.0.0/8']],
  ['loopback', ['127.0.0.0/8']],
  ['private', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']],
  ['shared', ['100.64.0.0/10']],
  ['link_local', ['169.254.0.0/16']],
  ['multicast', ['224.0.0.0/4']],
  [
    'reserved',
    [
      '192.0.0.0/24', // IETF protocol assignments
      '192.0.2.0/24', // TEST-NET-1
      '192.88.99.0/24', // 6to4 relay anycast
      '198.18.0.0/15', // benchmarking
      '198.51.100.0/24', // TEST-NET-2
      '203.0.113.0/24', // TEST-NET-3
      '240.0.0.0/4', // future use, includes 255.255.255.255
    ],
  ],
];

const IPV6_RULES: ReadonlyArray<[BlockedClass, string[]]> = [
  ['unspecified', ['::/128']],
  ['loopback', ['::1/128']],
  ['metadata', ['fd00:ec2::254/128']],
  ['unique_local', ['fc00::/7']],
  ['link_local', ['fe80::/10']],
  ['multicast', ['ff00::/8']],
  [
    'reserved',
    [
      '::/96', // deprecated IPv4-compatible addresses
      '64:ff9b:1::/48', // local-use NAT64
      '100::/64', // discard-only
      '2001::/23', // IETF protocol assignments (Teredo, benchmarking, ORCHID)
      '2001:db8::/32', // documentation
      '3fff::/20', // documentation
      'fec0::/10', // deprecated site-local
    ],
  ],
];

function compile(
  rules: ReadonlyArray<[BlockedClass, string[]]>,
  type: 'ipv4' | 'ipv6',
): Array<[BlockedClass, BlockList]> {
  return rules.map(([addressClass, cidrs]) => {
    const list = new BlockList();
    for (const cidr of cidrs) {
      const [network, prefix] = cidr.split('/');
      list.addSubnet(network, Number(prefix), type);
    }
    return [addressClass, list];
  });
}

const IPV4_LISTS = compile(IPV4_RULES, 'ipv4');
const IPV6_LISTS = compile(IPV6_RULES, 'ipv6');
const GLOBAL_UNICAST_V6 = new BlockList();
GLOBAL_UNICAST_V6.addSubnet('2000::', 3, 'ipv6');

/**
 * Classifies one IP address (v4 dotted quad or v6, optionally with a `%zone`). Anything that does
 * not parse is `invalid`, so callers fail closed.
 */
export function classifyAddress(address: string): AddressClass {
  const ip = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIPv4(ip)) {
    return classifyIPv4(ip);
  }
  if (isIPv6(ip)) {
    return classifyIPv6(ip);
  }
  return 'invalid';
}

function classifyIPv4(ip: string): AddressClass {
  for (const [addressClass, list] of IPV4_LISTS) {
    if (list.check(ip, 'ipv4')) {
      return addressClass;
    }
  }
  return 'public';
}

function classifyIPv6(ip: string): AddressClass {
  const groups = expandIPv6(ip);
  // Forms that carry an IPv4 address inside are judged by that address, so ::ffff:127.0.0.1,
  // ::ffff:7f00:1 and 64:ff9b::a00:1 cannot smuggle in what the dotted form would not.
  const embedded = embeddedIPv4(groups);
  if (embedded !== null) {
    const inner = classifyIPv4(embedded);
    if (inner !== 'public') {
      return inner;
    }
    if (isMappedOrTranslated(groups)) {
      return 'public';
    }
  }
  for (const [addressClass, list] of IPV6_LISTS) {
    if (list.check(ip, 'ipv6')) {
      return addressClass;
    }
  }
  // Only 2000::/3 is allocated as global unicast; everything else is unassigned or special.
  return GLOBAL_UNICAST_V6.check(ip, 'ipv6') ? 'public' : 'reserved';
}

/** The eight 16-bit groups of a valid IPv6 address (caller checked it with `isIPv6`). */
function expandIPv6(ip: string): number[] {
  let text = ip.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    text =
      text.slice(0, dotted.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [headText, tailText] = text.includes('::') ? text.split('::') : [text, undefined];
  const head = headText ? headText.split(':') : [];
  const tail = tailText ? tailText.split(':') : [];
  const zeros =
    tailText === undefined ? [] : new Array<string>(8 - head.length - tail.length).fill('0');
  return [...head, ...zeros, ...tail].map((group) => parseInt(group, 16));
}

function isMappedOrTranslated(groups: number[]): boolean {
  const zeroPrefix = (n: number) => groups.slice(0, n).every((g) => g === 0);
  return (
    (zeroPrefix(5) && groups[5] === 0xffff) || // ::ffff:0:0/96 mapped
    (zeroPrefix(4) && groups[4] === 0xffff && groups[5] === 0) || // ::ffff:0:0:0/96 translated
    (groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0)) // NAT64
  );
}

function embeddedIPv4(groups: number[]): string | null {
  const toV4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  if (groups[0] === 0x2002) {
    return toV4(groups[1], groups[2]); // 6to4
  }
  const zeroPrefix = groups.slice(0, 5).every((g) => g === 0);
  const compatible = zeroPrefix && groups[5] === 0 && (groups[6] !== 0 || groups[7] > 1);
  if (compatible || isMappedOrTranslated(groups)) {
    return toV4(groups[6], groups[7]);
  }
  return null;
}
