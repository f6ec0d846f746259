import { isIP } from 'node:net';

/** What Fastify's `trustProxy` accepts, minus the function form: see `parseTrustProxy`. */
export type TrustProxy = boolean | number | string[];

/** proxy-addr's names for address ranges, accepted by Fastify beside addresses and CIDRs. */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrRange(entry: string): boolean {
  if (RANGE_NAMES.has(entry)) {
    return true;
  }
  const [address, bits, extra] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || extra !== undefined) {
    return false;
  }
  return (
    bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128))
  );
}

/**
 * TRUST_PROXY as Fastify takes it: `false` (the default: X-Forwarded-* are ignored and
 * `request.ip` is the peer), `true` (trust every hop: only when the api is reachable through the
 * proxy alone), a hop count, or a comma list of proxy addresses, CIDRs or proxy-addr's range names
 * (`loopback`, `linklocal`, `uniquelocal`). Returns undefined for anything else.
 */
export function parseTrustProxy(value: string): TrustProxy | undefined {
  const v = value.trim().toLowerCase();
  if (v === '' || v === 'false') {
    return false;
  }
  if (v === 'true') {
    return true;
  }
  if (/^\d{1,2}$/.test(v)) {
    return Number(v);
  }
  const entries = v.split(',').map((entry) => entry.trim());
  return entries.every(isAddressOrRange) ? entries : undefined;
}
