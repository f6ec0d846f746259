/**
 * Points a URL the fal client built (https://queue.fal.run/…) at another base such as fal-sim,
 * keeping path and query. A base with a path prefix keeps the prefix in front.
 */
export function rewriteFalUrl(url: string, base: string): string {
  const original = new URL(url);
  const target = new URL(base);
  const prefix = target.pathname.replace(/\/+$/, '');
  return `${target.origin}${prefix}${original.pathname}${original.search}`;
}
