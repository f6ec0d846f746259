import { rewriteFalUrl } from './fal-url-rewrite';

describe('rewriteFalUrl', () => {
  it('swaps scheme and host, keeping path and query', () => {
    expect(
      rewriteFalUrl(
        'https://queue.fal.run/fal-ai/nano-banana-pro?fal_webhook=https%3A%2F%2Fapi.example%2Fhook',
        'http://127.0.0.1:4010',
      ),
    ).toBe(
      'http://127.0.0.1:4010/fal-ai/nano-banana-pro?fal_webhook=https%3A%2F%2Fapi.example%2Fhook',
    );
  });

  it('tolerates a trailing slash and keeps a path prefix of the base', () => {
    expect(
      rewriteFalUrl('https://queue.fal.run/a/b/requests/1/status?logs=0', 'http://sim:9/'),
    ).toBe('http://sim:9/a/b/requests/1/status?logs=0');
    expect(rewriteFalUrl('https://fal.run/a/b', 'https://proxy.local/fal/')).toBe(
      'https://proxy.local/fal/a/b',
    );
  });
});
