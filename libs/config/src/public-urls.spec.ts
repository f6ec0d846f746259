import { PublicUrls } from './public-urls';

const ID = '5b0c4f1e-2f7a-4c1b-9d7e-0e6f3b2a1c9d';

describe('PublicUrls', () => {
  const urls = new PublicUrls('https://api.example.com');

  it('builds the status URL clients follow', () => {
    expect(urls.statusOf(ID)).toBe(`https://api.example.com/api/infographs/status/${ID}/`);
  });

  it('builds the webhook path fal calls (libs/fal adds the token)', () => {
    expect(urls.falWebhookOf(ID)).toBe(`https://api.example.com/api/infographs/webhook/${ID}/`);
  });

  it('builds the URL the api serves a local file at, encoding each key segment', () => {
    expect(urls.file(`infographs/u1/${ID}.png`)).toBe(
      `https://api.example.com/files/infographs/u1/${ID}.png`,
    );
    expect(urls.file('infographs/a b/ü?#.png')).toBe(
      'https://api.example.com/files/infographs/a%20b/%C3%BC%3F%23.png',
    );
  });

  it('puts mailed tokens in the page URL’s fragment, never in a path or query a server logs', () => {
    expect(urls.verifyEmailLink('abc_-1')).toBe('https://api.example.com/#verify-email=abc_-1');
    expect(urls.passwordResetLink('a+b/c')).toBe(
      'https://api.example.com/#reset-password=a%2Bb%2Fc',
    );
  });

  it('never doubles a slash after a base that ends with one, and keeps a base path', () => {
    expect(new PublicUrls('http://127.0.0.1:3000//').statusOf(ID)).toBe(
      `http://127.0.0.1:3000/api/infographs/status/${ID}/`,
    );
    expect(new PublicUrls('https://example.com/aig/').file('a.png')).toBe(
      'https://example.com/aig/files/a.png',
    );
  });
});
