/**
 * Where the upload job may download a generated image from: the `FAL_MEDIA_HOSTS` entries. Each
 * entry is `host`, `host:port` or `*.domain` (every subdomain of `domain`, not `domain` itself),
 * optionally followed by a path (`host/path/`) that the URL's path must start with, at a segment
 * boundary. No port means any port. Hosts are matched case-insensitively, paths exactly.
 */

/**
 * fal's CDN: `fal.media` and its shards (`v3.fal.media`, `v3b.fal.media`, … — new ones appear
 * without notice, hence the suffix), and the bucket older models and examples use.
 */
export const FAL_MEDIA_HOSTS: readonly string[] = [
  'fal.media',
  '*.fal.media',
  'storage.googleapis.com/falserverless/',
];

interface MediaHostRule {
  /** Lower-case host name, or the domain whose subdomains match when `subdomains`. */
  host: string;
  subdomains: boolean;
  port?: string;
  path?: string;
}

const LABEL = '[a-z0-9](?:[a-z0-9-]*[a-z0-9])?';
const ENTRY = new RegExp(
  `^(\\*\\.)?(${LABEL}(?:\\.${LABEL})*|\\[[0-9a-f:.]+\\])(?::(\\d{1,5}))?(/[\\w.~!$&'()*+;=:@%/-]*)?$`,
  'i',
);

function parse(entry: string): MediaHostRule | string {
  const match = ENTRY.exec(entry.trim());
  if (!match) {
    return 'expected host, host:port or *.domain, optionally followed by a /path';
  }
  const [, wildcard, host, port, path] = match;
  if (wildcard && !host.includes('.')) {
    return `*.${host} would match every host under a top-level domain`;
  }
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
    return `port ${port} is out of range`;
  }
  return { host: host.toLowerCase(), subdomains: wildcard !== undefined, port, path };
}

/** Splits the setting at commas; entries keep their case (paths are case-sensitive). */
export function splitMediaHosts(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/** Why an entry is malformed, or undefined when it is well-formed. */
export function mediaHostProblem(entry: string): string | undefined {
  const rule = parse(entry);
  return typeof rule === 'string' ? `${JSON.stringify(entry)}: ${rule}` : undefined;
}

/** Whether one of the entries allows this URL. The scheme is the caller's to check. */
export function mediaUrlAllowed(url: URL, entries: readonly string[]): boolean {
  return entries.some((entry) => {
    const rule = parse(entry);
    return typeof rule !== 'string' && matches(rule, url);
  });
}

function matches(rule: MediaHostRule, url: URL): boolean {
  // The URL parser has lower-cased the host and resolved `..` (also `%2e%2e`) in the path.
  const host = url.hostname;
  const hostMatches = rule.subdomains ? host.endsWith(`.${rule.host}`) : host === rule.host;
  if (!hostMatches) {
    return false;
  }
  if (rule.port !== undefined) {
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    if (port !== rule.port) {
      return false;
    }
  }
  if (rule.path === undefined) {
    return true;
  }
  const prefix = rule.path.endsWith('/') ? rule.path : `${rule.path}/`;
  return url.pathname === rule.path || url.pathname.startsWith(prefix);
}
