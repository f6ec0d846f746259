import { pushPayloadFor } from './push-payload';

const ID = '0b6f5c1e-3a39-4c53-9d55-2f6b0b0e8c11';

describe('pushPayloadFor', () => {
  it('links a completed infographic to the page and shows its image', () => {
    const payload = pushPayloadFor(
      {
        id: ID,
        status: 'completed',
        prompt: 'Coffee\n around   the world',
        imageUrl: 'https://cdn.example.com/i.png',
        errorMessage: null,
      },
      'https://app.example.com/',
    );
    expect(payload).toEqual({
      title: 'Your infographic is ready',
      body: 'Coffee around the world',
      url: `https://app.example.com/#infograph=${ID}`,
      image: 'https://cdn.example.com/i.png',
      tag: ID,
      infograph_id: ID,
      status: 'completed',
    });
  });

  it('says why one failed, without an image, in a body short enough for any push service', () => {
    const payload = pushPayloadFor(
      {
        id: ID,
        status: 'failed',
        prompt: 'p'.repeat(4000),
        imageUrl: null,
        errorMessage: 'The model refused it.',
      },
      'https://app.example.com',
    );
    expect(payload).toMatchObject({ status: 'failed', image: null });
    expect(payload.body.length).toBeLessThanOrEqual(140);
    expect(Buffer.byteLength(JSON.stringify(payload))).toBeLessThan(3000);
  });
});
