import { failureMessage } from './failure-message';
import { isSafetyBlock, isUsableImage, whyUnusable } from './generation-outcome';

const SAFETY_BLOCK_REASON = failureMessage('content_blocked');

const image = { url: 'https://v3.fal.media/files/x.png', width: 1024, height: 576 };

describe('generation outcomes', () => {
  it('publishes only an OK verdict with an image that is not flagged', () => {
    expect(isUsableImage({ kind: 'ok', images: [image], nsfw: false })).toBe(true);
    expect(isUsableImage({ kind: 'ok', images: [image], nsfw: true })).toBe(false);
    expect(isUsableImage({ kind: 'ok', images: [], nsfw: false })).toBe(false);
    expect(isUsableImage({ kind: 'error', message: 'boom' })).toBe(false);
  });

  it("says why the user gets no image in their terms, keeping fal's text for the logs", () => {
    expect(whyUnusable({ kind: 'error', message: 'Invalid status code: 422' })).toEqual({
      code: 'generation_failed',
      reason: 'The image could not be generated. Your credits were refunded — try again.',
      reasonClass: 'fal_error',
      detail: 'Invalid status code: 422',
    });
    expect(whyUnusable({ kind: 'ok', images: [image], nsfw: true })).toEqual({
      code: 'content_blocked',
      reason: SAFETY_BLOCK_REASON,
      reasonClass: 'nsfw',
      detail: 'the image was flagged NSFW',
    });
  });

  it('tells the user a safety block (an OK with no images) in their terms, with a refund', () => {
    expect(whyUnusable({ kind: 'ok', images: [], nsfw: false })).toMatchObject({
      code: 'content_blocked',
      reason: SAFETY_BLOCK_REASON,
      reasonClass: 'nsfw',
    });
    expect(SAFETY_BLOCK_REASON).toMatch(/safety filter.*refunded.*rephras/i);
  });

  it.each([
    'Invalid status code: 422 (prompt: The content was flagged by a content checker.)',
    'fal rejected the input: prompt: The prompt was flagged by the content checker',
    'content_policy_violation',
    'Content policy violation: sexual',
    'NSFW content detected in the output',
    'The image was blocked by the safety filter',
    'Blocked by safety checker',
    'finishReason: IMAGE_SAFETY',
  ])('reads an ERROR saying %j as a safety block', (message) => {
    expect(isSafetyBlock(message)).toBe(true);
    expect(whyUnusable({ kind: 'error', message })).toEqual({
      code: 'content_blocked',
      reason: SAFETY_BLOCK_REASON,
      reasonClass: 'nsfw',
      detail: message,
    });
  });

  it.each([
    'Invalid status code: 500',
    'Invalid status code: 422 (prompt: Field required)',
    'Internal server error while generating the image',
    'Request was cancelled by the client',
    'runner_server_error',
    "fal's output is unusable: images[0] has no usable url",
  ])('keeps %j a plain fal failure', (message) => {
    expect(isSafetyBlock(message)).toBe(false);
    expect(whyUnusable({ kind: 'error', message }).reasonClass).toBe('fal_error');
    expect(whyUnusable({ kind: 'error', message }).code).toBe('generation_failed');
  });
});
