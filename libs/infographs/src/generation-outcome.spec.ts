import { NSFW_REASON, isUsableImage, whyUnusable } from './generation-outcome';

const image = { url: 'https://v3.fal.media/files/x.png', width: 1024, height: 576 };

describe('generation outcomes', () => {
  it('publishes only an OK verdict with an image that is not flagged', () => {
    expect(isUsableImage({ kind: 'ok', images: [image], nsfw: false })).toBe(true);
    expect(isUsableImage({ kind: 'ok', images: [image], nsfw: true })).toBe(false);
    expect(isUsableImage({ kind: 'ok', images: [], nsfw: false })).toBe(false);
    expect(isUsableImage({ kind: 'error', message: 'boom' })).toBe(false);
  });

  it('says why the user gets no image, in their terms, with a metrics class', () => {
    expect(whyUnusable({ kind: 'error', message: 'Invalid status code: 422' })).toEqual({
      reason: 'Image generation failed at fal.ai: Invalid status code: 422',
      reasonClass: 'fal_error',
    });
    expect(whyUnusable({ kind: 'ok', images: [image], nsfw: true })).toEqual({
      reason: NSFW_REASON,
      reasonClass: 'nsfw',
    });
    expect(whyUnusable({ kind: 'ok', images: [], nsfw: false }).reason).toMatch(/held no image/);
    expect(whyUnusable({ kind: 'error', message: 'x'.repeat(5000) }).reason).toHaveLength(2000);
  });
});
