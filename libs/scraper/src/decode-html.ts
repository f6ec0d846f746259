import { TextDecoder } from 'node:util';

/**
 * Turns fetched bytes into text the way a browser would pick the encoding: a byte-order mark
 * first, then the Content-Type charset, then a `<meta charset>` near the top, then UTF-8.
 * Unknown labels fall back to UTF-8 rather than failing the scrape over mojibake.
 */
export function decodeHtml(body: Buffer, contentType: string): string {
  const label = bomEncoding(body) ?? headerCharset(contentType) ?? metaCharset(body) ?? 'utf-8';
  const decoder = decoderFor(label);
  const text = decoder.decode(body);
  return decoder.encoding === 'windows-1252' ? fixWindows1252(text) : text;
}

// Node 20's TextDecoder decodes windows-1252 (which the labels iso-8859-1, latin1 and ascii also
// mean) as plain ISO-8859-1, so bytes 0x80-0x9F come out as C1 control characters instead of the
// curly quotes, dashes and euro sign a browser shows. Map them the way the Encoding spec does.
const WINDOWS_1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

function fixWindows1252(text: string): string {
  return text.replace(/[\u0080-\u009f]/g, (c) => WINDOWS_1252_HIGH[c.charCodeAt(0) - 0x80]);
}

function bomEncoding(body: Buffer): string | undefined {
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) {
    return 'utf-8';
  }
  if (body[0] === 0xfe && body[1] === 0xff) {
    return 'utf-16be';
  }
  if (body[0] === 0xff && body[1] === 0xfe) {
    return 'utf-16le';
  }
  return undefined;
}

function headerCharset(contentType: string): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return match?.[1];
}

// The HTML spec's prescan looks at the first 1024 bytes; ASCII-compatible reading is enough to
// find the declaration, which is itself ASCII.
function metaCharset(body: Buffer): string | undefined {
  const head = body.subarray(0, 1024).toString('latin1');
  const match = /<meta[^>]*?charset\s*=\s*["']?\s*([a-z0-9._:-]+)/i.exec(head);
  const label = match?.[1];
  // A page that says UTF-16 in an ASCII-readable meta tag cannot actually be UTF-16.
  return label && /^utf-?16/i.test(label) ? 'utf-8' : label;
}

function decoderFor(label: string): TextDecoder {
  try {
    return new TextDecoder(label);
  } catch {
    return new TextDecoder('utf-8');
  }
}
