/** Tiny DOM helpers. Server text only ever goes in through `textContent`, never as HTML. */

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) {
    throw new Error(`#${id} is missing from index.html`);
  }
  return node as T;
}

/** Only http(s) URLs (absolute or relative to the page) may become links or images. */
export function safeUrl(raw: string | null): string | null {
  if (!raw) {
    return null;
  }
  try {
    const url = new URL(raw, location.href);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}
