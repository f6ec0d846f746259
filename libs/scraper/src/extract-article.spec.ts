import { Readability } from '@mozilla/readability';

import { extractArticle, trimText } from './extract-article';
import { ScrapeError } from './scrape-error';

const paragraph = (n: number) =>
  `Paragraph ${n} explains how queues keep slow models away from impatient clients, ` +
  `why retries need jitter, and what a refund looks like when the last attempt fails.`;

const BLOG_POST = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>Why queues matter | Example Engineering Blog</title>
    <style>body { color: red }</style>
    <script>window.tracking = "SCRIPT_SHOULD_NOT_APPEAR";</script>
  </head>
  <body>
    <nav class="menu"><a href="/">Home</a> <a href="/about">NAV_SHOULD_NOT_APPEAR</a></nav>
    <header class="site-header"><a href="/">Example Engineering</a></header>
    <main>
      <article>
        <h1>Why queues matter</h1>
        <p class="byline">By Ada</p>
        ${[1, 2, 3, 4, 5, 6].map((n) => `<p>${paragraph(n)}</p>`).join('\n        ')}
        <p>Closing   thoughts,
           spread over    several lines\tand tabs.</p>
      </article>
    </main>
    <aside class="sidebar">Related: SIDEBAR_SHOULD_NOT_APPEAR</aside>
    <footer class="site-footer">© 2024 FOOTER_SHOULD_NOT_APPEAR</footer>
  </body>
</html>`;

function scrapeErrorOf(fn: () => unknown): ScrapeError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ScrapeError);
  return caught as ScrapeError;
}

describe('extractArticle', () => {
  it('returns the title and main text without navigation, footer or scripts', () => {
    const { title, text } = extractArticle(BLOG_POST, 'https://blog.example/queues');

    expect(title).toContain('Why queues matter');
    expect(text).toContain(paragraph(1));
    expect(text).toContain(paragraph(6));
    expect(text).not.toMatch(/NAV_SHOULD_NOT_APPEAR|FOOTER_SHOULD_NOT_APPEAR/);
    expect(text).not.toMatch(/SIDEBAR_SHOULD_NOT_APPEAR|SCRIPT_SHOULD_NOT_APPEAR|color: red/);
  });

  it('normalises whitespace and keeps one paragraph per line', () => {
    const { text } = extractArticle(BLOG_POST, 'https://blog.example/queues');

    expect(text).toContain('Closing thoughts, spread over several lines and tabs.');
    expect(text).not.toMatch(/[ \t]{2,}|\t|\n\n|^\s|\s$/);
    expect(text.split('\n')).toContain(paragraph(3));
  });

  describe('when Readability gives up', () => {
    afterEach(() => jest.restoreAllMocks());

    it.each([
      ['finds no article', () => null],
      [
        'throws',
        () => {
          throw new TypeError('unsupported DOM feature');
        },
      ],
    ])('falls back to <title> and the body text when it %s', (_name, parse) => {
      const spy = jest.spyOn(Readability.prototype, 'parse').mockImplementation(parse);

      const { title, text } = extractArticle(BLOG_POST, 'https://blog.example/queues');

      expect(spy).toHaveBeenCalled();
      expect(title).toBe('Why queues matter | Example Engineering Blog');
      expect(text.split('\n')).toEqual([
        'Why queues matter',
        'By Ada',
        ...[1, 2, 3, 4, 5, 6].map(paragraph),
        'Closing thoughts, spread over several lines and tabs.',
      ]);
    });
  });

  it('reads a page too small to look like an article', () => {
    const html = `<html><head><title>  Tiny   page </title></head><body>
      <nav>Menu NAV_SHOULD_NOT_APPEAR</nav><div>Just one short line.</div>
      <footer>FOOTER_SHOULD_NOT_APPEAR</footer></body></html>`;

    const { title, text } = extractArticle(html, 'https://blog.example/tiny');

    expect(title).toBe('Tiny page');
    expect(text).toBe('Just one short line.');
  });

  it('keeps list items on lines of their own', () => {
    const html = `<body><article><ul><li>Item one</li><li>Item two</li></ul></article></body>`;

    expect(extractArticle(html, 'https://blog.example/list').text).toBe('Item one\nItem two');
  });

  it('reads pages that leave out <html>, <head> or <body>', () => {
    const html = `<!doctype html><title>Fragment</title><p>Body text without a body tag.</p>`;

    const { title, text } = extractArticle(html, 'https://blog.example/fragment');

    expect(title).toBe('Fragment');
    expect(text).toBe('Body text without a body tag.');
  });

  it('uses the host name when the page has no title at all', () => {
    const { title } = extractArticle('<p>Untitled words.</p>', 'https://notes.example/a');

    expect(title).toBe('notes.example');
  });

  it.each([
    ['an empty document', ''],
    ['only markup', '<html><head><title>T</title></head><body><div> </div></body></html>'],
    ['only scripts and chrome', '<body><script>var x = 1;</script><nav>Home</nav></body>'],
  ])('throws a permanent unreadable error for %s', (_name, html) => {
    const error = scrapeErrorOf(() => extractArticle(html, 'https://blog.example/empty'));

    expect(error.code).toBe('unreadable');
    expect(error.permanent).toBe(true);
  });

  it('bounds the text at 6000 characters by default and honours the option', () => {
    const long = `<html><head><title>Long</title></head><body><article>${Array.from(
      { length: 200 },
      (_, i) => `<p>${paragraph(i)}</p>`,
    ).join('')}</article></body></html>`;

    const byDefault = extractArticle(long, 'https://blog.example/long').text;
    const short = extractArticle(long, 'https://blog.example/long', { maxTextChars: 500 }).text;

    expect(byDefault.length).toBeLessThanOrEqual(6000);
    expect(byDefault.length).toBeGreaterThan(5000);
    expect(short.length).toBeLessThanOrEqual(500);
    expect(short).toMatch(/\.$/);
  });
});

describe('trimText', () => {
  it('leaves text within the limit alone', () => {
    expect(trimText('Short. Text.', 100)).toBe('Short. Text.');
  });

  it('cuts at the last sentence end that fits', () => {
    const text =
      'First sentence here. Second sentence here. Third sentence is far too long to fit.';

    expect(trimText(text, 50)).toBe('First sentence here. Second sentence here.');
  });

  it('cuts at a word boundary with an ellipsis when no sentence end is late enough', () => {
    const text = 'one two three four five six seven eight nine ten eleven twelve';

    const trimmed = trimText(text, 30);

    expect(trimmed).toBe('one two three four five six…');
    expect(trimmed.length).toBeLessThanOrEqual(30);
  });

  it('ignores a sentence end so early that most of the budget would be lost', () => {
    const text = 'Hi. ' + 'word '.repeat(40);

    const trimmed = trimText(text, 100);

    expect(trimmed.length).toBeGreaterThan(50);
    expect(trimmed.length).toBeLessThanOrEqual(100);
    expect(trimmed.endsWith('word…')).toBe(true);
  });

  it('cuts mid-word only when there is no boundary at all', () => {
    const trimmed = trimText('x'.repeat(50), 10);

    expect(trimmed).toBe(`${'x'.repeat(9)}…`);
  });
});
