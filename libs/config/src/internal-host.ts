import { BlockList, isIP } from 'node:net';

/*
 * The address ranges a production URL must not point at. libs/scraper has a fuller classifier for
 * resolved addresses, but libs/config imports nothing of ours, and a settings check only ever
 * sees what is written in the URL: literal IPs and host names, never what DNS would say.
 */
const INTERNAL_RANGES = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['127.0.0.0', 8], // loopback
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['169.254.0.0', 16], // link-local, cloud metadata
] as const) {
  INTERNAL_RANGES.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
] as const) {
  INTERNAL_RANGES.addSubnet(network, prefix, 'ipv6');
}

/*
 * Names that never resolve to the public internet: localhost and its subdomains (RFC 6761), mDNS
 * `.local`, `.internal` (cloud metadata such as metadata.google.internal), and single-label names,
 * which are container or LAN names (`fal-sim`, `api` in docker-compose).
 */
const INTERNAL_NAME = /(^localhost$|\.localhost$|\.local$|\.internal$|^[^.]+$)/;

/**
 * True when a URL's host (as `URL.hostname` gives it, IPv6 in brackets or not) is loopback,
 * private, link-local or a name only a local network can resolve.
 */
export function isInternalHost(hostname: string): boolean {
  const host = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  const family = isIP(host);
  if (family !== 0) {
    return INTERNAL_RANGES.check(host, family === 4 ? 'ipv4' : 'ipv6');
  }
  return INTERNAL_NAME.test(host);
}
