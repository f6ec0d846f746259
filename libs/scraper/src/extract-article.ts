import { Readability } from '@mozilla/readability';
import { parseHTML as linkedomParseHTML } from 'linkedom';

import { ScrapeError } from './scrape-error';

export const DEFAULT_MAX_TEXT_CHARS = 6000;

export interface ExtractedArticle {
  title: string;
  text: string;
}

export interface ExtractArticleOptions {
  /** Upper bound on `text`, cut at a sentence or word boundary. */
  maxTextChars?: number;
}

// The project compiles without the DOM lib, so the few DOM members used here are typed by hand.
interface DomNode {
  readonly nodeType: number;
  readonly nodeName: string;
  readonly textContent: string | null;
  readonly childNodes: ArrayLike<DomNode>;
  readonly parentNode: DomNode | null;
  appendChild(node: DomNode): DomNode;
  removeChild(node: DomNode): DomNode;
}
interface DomElement extends DomNode {
  readonly localName: string;
  getAttribute(name: string): string | null;
  querySelectorAll(selectors: string): ArrayLike<DomElement>;
  querySelector(selectors: string): DomElement | null;
  closest(selectors: string): DomElement | null;
}
interface DomDocument extends DomElement {
  readonly documentElement: DomElement | null;
  readonly head: DomElement;
  readonly body: DomElement;
  readonly title: string;
}

// linkedom's typings name DOM lib types this project does not compile with; pin the shape used.
const parseHTML = linkedomParseHTML as unknown as (html: string) => { document: DomDocument };

const TEXT_NODE = 3;
const ELEMENT_NODE = 1;

// Elements whose boundaries are line breaks in the extracted text.
const BLOCK_ELEMENTS = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'br',
  'dd',
  'details',
  'div',
  'dl',
  'dt',
  'figcaption',
  'figure',
  'footer',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'li',
  'main',
  'nav',
  'ol',
  'p',
  'pre',
  'section',
  'summary',
  'table',
  'td',
  'th',
  'tr',
  'ul',
]);
const HEAD_ELEMENTS = new Set(['title', 'meta', 'link', 'base']);
// Page chrome and non-text, removed before either extractor looks at the page. Page-level
// <header>s go too, but one inside the article usually holds its headline and byline, so it stays.
const NOISE_SELECTOR = [
  'script',
  'style',
  'noscript',
  'template',
  'svg',
  'iframe',
  'canvas',
  'button',
  'nav',
  'aside',
  'footer',
  '[hidden]',
  '[aria-hidden="true"]',
  '[role="navigation"]',
  '[role="contentinfo"]',
].join(',');

/**
 * Pulls the readable title and main text out of an HTML page: Readability first, then, when it
 * finds no article (short or unusual pages), the `<title>` and the body minus page chrome.
 * Paragraphs become lines; runs of whitespace become one space.
 */
export function extractArticle(
  html: string,
  url: string,
  options: ExtractArticleOptions = {},
): ExtractedArticle {
  const maxTextChars = options.maxTextChars ?? DEFAULT_MAX_TEXT_CHARS;
  const article = readabilityArticle(html) ?? fallbackArticle(html);
  if (!article.text) {
    throw new ScrapeError(
      'unreadable',
      'The blog page has no readable text (it may need JavaScript or be mostly images); try another link or put the key points in the prompt.',
    );
  }
  return {
    title: article.title || hostnameOf(url),
    text: trimText(article.text, maxTextChars),
  };
}

function hostnameOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

function readabilityArticle(html: string): ExtractedArticle | null {
  const document = parseDocument(html);
  const pageTitle = cleanLine(document.title);
  removeNoise(document);
  // Hand back the article node itself, so its text is read with block structure kept, rather
  // than Readability's flattened textContent.
  const reader = new Readability<DomElement>(document, {
    serializer: (node: DomElement) => node,
  });
  let parsed: ReturnType<typeof reader.parse>;
  try {
    parsed = reader.parse();
  } catch {
    // Readability is written against browser DOMs; if linkedom's differences trip it up on some
    // page, the plain-DOM fallback can still read the text, which beats failing the scrape.
    return null;
  }
  const text = parsed?.content ? blockText(parsed.content) : '';
  if (!parsed || !text) {
    return null;
  }
  return { title: cleanLine(parsed.title ?? '') || pageTitle, text };
}

function fallbackArticle(html: string): ExtractedArticle {
  const document = parseDocument(html);
  removeNoise(document);
  const heading = document.body.querySelector('h1');
  return {
    title: cleanLine(document.title) || cleanLine(heading?.textContent ?? ''),
    text: blockText(document.body),
  };
}

/**
 * linkedom builds the tree exactly as written, without the implied `<html>`/`<body>` a browser
 * adds, so fragments and tag-omitting pages would otherwise look empty.
 */
function parseDocument(html: string): DomDocument {
  let { document } = parseHTML(html);
  if (document.documentElement?.localName !== 'html') {
    ({ document } = parseHTML(`<html>${html}</html>`));
  }
  const root = document.documentElement;
  if (root) {
    const { head, body } = document;
    for (const node of Array.from(root.childNodes)) {
      if (node === head || node === body) {
        continue;
      }
      const isHeadElement =
        node.nodeType === ELEMENT_NODE && HEAD_ELEMENTS.has(node.nodeName.toLowerCase());
      (isHeadElement ? head : body).appendChild(node);
    }
  }
  return document;
}

function removeNoise(document: DomDocument): void {
  for (const element of Array.from(document.body.querySelectorAll(NOISE_SELECTOR))) {
    element.parentNode?.removeChild(element);
  }
  for (const header of Array.from(document.body.querySelectorAll('header, [role="banner"]'))) {
    if (!header.closest('article, main, [role="main"]')) {
      header.parentNode?.removeChild(header);
    }
  }
}

function blockText(root: DomNode): string {
  const parts: string[] = [];
  const walk = (node: DomNode): void => {
    if (node.nodeType === TEXT_NODE) {
      // Newlines inside a text node are source formatting, not paragraph breaks.
      parts.push((node.textContent ?? '').replace(/\s+/g, ' '));
      return;
    }
    if (node.nodeType !== ELEMENT_NODE) {
      return;
    }
    const name = node.nodeName.toLowerCase();
    if (name === 'script' || name === 'style' || name === 'noscript' || name === 'template') {
      return;
    }
    const block = BLOCK_ELEMENTS.has(name);
    if (block) {
      parts.push('\n');
    }
    for (const child of Array.from(node.childNodes)) {
      walk(child);
    }
    if (block) {
      parts.push('\n');
    }
  };
  walk(root);
  return parts
    .join('')
    .split('\n')
    .map(cleanLine)
    .filter((line) => line.length > 0)
    .join('\n');
}

function cleanLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Cuts `text` to at most `max` characters, preferring the end of a sentence, then the end of a
 * word (marked with an ellipsis), and only as a last resort mid-word. A boundary is only used if
 * it keeps at least half the budget, so one early full stop does not throw most of the text away.
 */
export function trimText(text: string, max: number): string {
  if (text.length <= max) {
    return text;
  }
  const window = text.slice(0, max);
  const floor = Math.floor(max / 2);
  let sentenceEnd = -1;
  for (const match of window.matchAll(/[.!?…]["'”’)\]]*(?=\s)/g)) {
    sentenceEnd = match.index + match[0].length;
  }
  if (sentenceEnd >= floor) {
    return window.slice(0, sentenceEnd);
  }
  const wordEnd = window.slice(0, max - 1).search(/\s\S*$/);
  if (wordEnd >= floor) {
    return `${window.slice(0, wordEnd).trimEnd()}…`;
  }
  return `${window.slice(0, max - 1)}…`;
}
