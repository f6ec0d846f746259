import { parseFalWebhookBody } from './fal-webhook-envelope';

const image = {
  url: 'https://v3.fal.media/files/x.png',
  content_type: 'image/png',
  file_name: 'x.png',
  file_size: 1824075,
  width: 1024,
  height: 1024,
};

describe('parseFalWebhookBody', () => {
  it("reads fal's OK envelope", () => {
    const body = parseFalWebhookBody({
      request_id: 'req-1',
      gateway_request_id: 'gw-1',
      status: 'OK',
      payload: { images: [image], seed: 1966191, has_nsfw_concepts: [false] },
    });
    expect(body).toEqual({
      kind: 'ok',
      requestId: 'req-1',
      // fal retried this request internally: it may sign with this id.
      gatewayRequestId: 'gw-1',
      nsfw: false,
      seed: 1966191,
      description: undefined,
      images: [
        {
          url: image.url,
          contentType: 'image/png',
          fileName: 'x.png',
          fileSize: 1824075,
          width: 1024,
          height: 1024,
        },
      ],
    });
  });

  it("reads nano-banana-pro's output: no seed, no nsfw flags, no sizes", () => {
    const body = parseFalWebhookBody({
      request_id: 'req-1',
      gateway_request_id: 'req-1',
      status: 'OK',
      error: null,
      payload: {
        images: [
          {
            url: 'https://v3b.fal.media/files/b/abc/x.png',
            content_type: 'image/png',
            file_name: 'x.png',
          },
        ],
        description: '',
      },
    });
    expect(body).toEqual({
      kind: 'ok',
      requestId: 'req-1',
      nsfw: false,
      seed: undefined,
      description: '',
      images: [
        {
          url: 'https://v3b.fal.media/files/b/abc/x.png',
          contentType: 'image/png',
          fileName: 'x.png',
          fileSize: undefined,
          width: undefined,
          height: undefined,
        },
      ],
    });
  });

  it('reads an OK with no images as the verdict it is (a safety block), not as garbage', () => {
    expect(
      parseFalWebhookBody({
        request_id: 'r',
        status: 'OK',
        error: null,
        payload: { images: [], description: '' },
      }),
    ).toEqual({
      kind: 'ok',
      requestId: 'r',
      images: [],
      nsfw: false,
      seed: undefined,
      description: '',
    });
  });

  it('reads the bare result body from the guide, and nsfw flags', () => {
    const body = parseFalWebhookBody({
      images: [{ url: image.url }],
      has_nsfw_concepts: [false, true],
    });
    expect(body).toMatchObject({ kind: 'ok', requestId: undefined, nsfw: true });
  });

  it('reads ERROR envelopes with their detail', () => {
    expect(
      parseFalWebhookBody({
        request_id: 'req-2',
        status: 'ERROR',
        error: 'Invalid status code: 422',
        payload: { detail: [{ loc: ['body', 'prompt'], msg: 'field required', type: 'missing' }] },
      }),
    ).toEqual({
      kind: 'error',
      requestId: 'req-2',
      message: 'Invalid status code: 422 (prompt: field required)',
    });
    expect(parseFalWebhookBody({ request_id: 'r', status: 'ERROR', payload: null })).toEqual({
      kind: 'error',
      requestId: 'r',
      message: 'fal reported an error',
    });
  });

  it('treats OK without a usable payload as a failed generation', () => {
    expect(
      parseFalWebhookBody({
        request_id: 'r',
        status: 'OK',
        payload: null,
        payload_error: 'too big',
      }),
    ).toEqual({
      kind: 'error',
      requestId: 'r',
      message: 'fal reported OK without a payload: too big',
    });
    expect(
      parseFalWebhookBody({
        request_id: 'r',
        status: 'OK',
        payload: { images: [{ url: 'ftp://x' }] },
      }),
    ).toMatchObject({ kind: 'error', message: expect.stringContaining('images[0]') });
  });

  it.each([
    ['null', null],
    ['a string', 'OK'],
    ['an array', [image]],
    ['no request id', { status: 'OK', payload: { images: [image] } }],
    ['an unknown status', { request_id: 'r', status: 'DONE', payload: {} }],
  ])('calls %s invalid', (_label, json) => {
    expect(parseFalWebhookBody(json)).toMatchObject({
      kind: 'invalid',
      reason: expect.any(String),
    });
  });
});
