import { FAL_MEDIA_HOSTS, mediaHostProblem, mediaUrlAllowed } from './media-hosts';

const allowed = (url: string, entries: readonly string[] = FAL_MEDIA_HOSTS) =>
  mediaUrlAllowed(new URL(url), entries);

describe("fal's media hosts (the default rule)", () => {
  it.each([
    'https://fal.media/files/x.png',
    'https://v3.fal.media/files/b/abc/x.png',
    'https://v3b.fal.media/files/x.png',
    // A shard fal adds tomorrow, without notice.
    'https://v9z.fal.media/files/x.png',
    'https://a.b.fal.media/x.png',
    'https://V3.FAL.MEDIA/files/x.png',
    'https://storage.googleapis.com/falserverless/example_outputs/x.png',
    'https://storage.googleapis.com/falserverless/',
  ])('allows %s', (url) => {
    expect(allowed(url)).toBe(true);
  });

  it.each([
    ['https://evilfal.media/x.png', 'a look-alike domain'],
    ['https://fal.media.evil.com/x.png', 'fal.media as a subdomain of another'],
    ['https://v3.fal.media.evil.com/x.png', 'a shard as a subdomain of another'],
    ['https://fal.media@evil.com/x.png', 'fal.media as a user name'],
    ['https://evil.com/fal.media/x.png', 'fal.media in the path'],
    ['https://v3.fal.media./x.png', 'a trailing dot'],
    ['https://storage.googleapis.com/other-bucket/x.png', "another bucket on fal's storage host"],
    ['https://storage.googleapis.com/falserverless-evil/x.png', 'a bucket that starts alike'],
    ['https://storage.googleapis.com/falserverless/../other/x.png', 'a dot-dot out of the path'],
    ['https://storage.googleapis.com/falserverless/%2e%2e/other/x.png', 'an encoded dot-dot'],
    ['https://storage.googleapis.com/falserverless%2F..%2Fother/x.png', 'an encoded slash'],
    ['https://storage.googleapis.com/x.png', 'the storage host alone'],
    ['https://googleapis.com/falserverless/x.png', 'its parent domain'],
    ['https://127.0.0.1/x.png', 'an address'],
  ])('refuses %s (%s)', (url) => {
    expect(allowed(url)).toBe(false);
  });
});

describe('FAL_MEDIA_HOSTS entries', () => {
  it('matches a host exactly, on any port unless one is given', () => {
    expect(allowed('http://127.0.0.1:4010/x.png', ['127.0.0.1'])).toBe(true);
    expect(allowed('http://127.0.0.1:4010/x.png', ['127.0.0.1:4010'])).toBe(true);
    expect(allowed('http://127.0.0.1:4011/x.png', ['127.0.0.1:4010'])).toBe(false);
    expect(allowed('https://cdn.example.com/x.png', ['cdn.example.com:443'])).toBe(true);
    expect(allowed('https://a.cdn.example.com/x.png', ['cdn.example.com'])).toBe(false);
    expect(allowed('http://[::1]:4010/x.png', ['[::1]:4010'])).toBe(true);
  });

  it('matches every subdomain, and only subdomains, with *.', () => {
    const entries = ['*.example.com'];
    expect(allowed('https://cdn.example.com/x.png', entries)).toBe(true);
    expect(allowed('https://a.b.example.com/x.png', entries)).toBe(true);
    expect(allowed('https://example.com/x.png', entries)).toBe(false);
    expect(allowed('https://badexample.com/x.png', entries)).toBe(false);
    expect(allowed('https://cdn.example.com.evil.org/x.png', entries)).toBe(false);
  });

  it('limits a host to a path and what is under it', () => {
    const entries = ['files.example.com/Bucket/'];
    expect(allowed('https://files.example.com/Bucket/x.png', entries)).toBe(true);
    expect(allowed('https://files.example.com/bucket/x.png', entries)).toBe(false);
    expect(allowed('https://files.example.com/Other/x.png', entries)).toBe(false);
    // Without a trailing slash the path still ends at a segment boundary.
    expect(allowed('https://files.example.com/Bucket2/x.png', ['files.example.com/Bucket'])).toBe(
      false,
    );
    expect(allowed('https://files.example.com/Bucket/x.png', ['files.example.com/Bucket'])).toBe(
      true,
    );
  });

  it('replaces the default rule when set', () => {
    expect(allowed('https://v3.fal.media/x.png', ['cdn.example.com'])).toBe(false);
  });

  it.each([
    ['', 'empty'],
    ['https://fal.media', 'a URL, not a host'],
    ['*.com', 'a wildcard over a top-level domain'],
    ['*fal.media', 'a wildcard without its dot'],
    ['a.*.fal.media', 'a wildcard inside'],
    ['fal.media:port', 'a port that is no number'],
    ['fal.media:70000', 'a port out of range'],
    ['fal media', 'a space'],
    ['fal.media?x=1', 'a query'],
  ])('names %j as a bad entry (%s)', (entry) => {
    expect(mediaHostProblem(entry)).toEqual(expect.any(String));
  });

  it.each(['fal.media', '*.fal.media', 'fal-sim:4010', 'storage.googleapis.com/falserverless/'])(
    'accepts %j',
    (entry) => {
      expect(mediaHostProblem(entry)).toBeUndefined();
    },
  );
});
