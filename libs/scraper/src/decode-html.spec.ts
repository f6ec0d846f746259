import { decodeHtml } from './decode-html';

describe('decodeHtml', () => {
  const utf8 = Buffer.from('<p>Crème brûlée — 東京</p>', 'utf8');

  it('defaults to UTF-8', () => {
    expect(decodeHtml(utf8, 'text/html')).toBe('<p>Crème brûlée — 東京</p>');
  });

  it('uses the Content-Type charset', () => {
    const latin = Buffer.from([0x3c, 0x70, 0x3e, 0x43, 0x72, 0xe8, 0x6d, 0x65, 0x93, 0x94]);

    expect(decodeHtml(latin, 'text/html; charset="windows-1252"')).toBe('<p>Crème\u201c\u201d');
    expect(decodeHtml(latin, 'text/html;Charset=ISO-8859-1')).toBe('<p>Crème\u201c\u201d');
  });

  it('falls back to a <meta charset> near the top when the header has none', () => {
    const body = Buffer.concat([
      Buffer.from('<html><head><meta charset="iso-8859-1"></head><body>'),
      Buffer.from([0x63, 0x61, 0x66, 0xe9]),
    ]);

    expect(decodeHtml(body, 'text/html')).toContain('café');
  });

  it('reads the http-equiv form of the meta declaration', () => {
    const body = Buffer.concat([
      Buffer.from('<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'),
      Buffer.from([0xe9]),
    ]);

    expect(decodeHtml(body, '')).toContain('é');
  });

  it('lets a byte-order mark win over a wrong header', () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8]);

    expect(decodeHtml(body, 'text/html; charset=iso-8859-1')).toBe('<p>Crème brûlée — 東京</p>');
  });

  it('decodes UTF-16 with a byte-order mark', () => {
    const body = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<p>hé</p>', 'utf16le')]);

    expect(decodeHtml(body, 'text/html')).toBe('<p>hé</p>');
  });

  it('falls back to UTF-8 for an unknown charset label', () => {
    expect(decodeHtml(utf8, 'text/html; charset=klingon')).toBe('<p>Crème brûlée — 東京</p>');
  });
});
