import { imageSize, validateModelInput } from './model-input';

describe('validateModelInput', () => {
  it('fills fal defaults for a bare prompt', () => {
    expect(validateModelInput({ prompt: 'Sales' })).toEqual({
      ok: true,
      input: {
        prompt: 'Sales',
        numImages: 1,
        aspectRatio: '1:1',
        resolution: '1K',
        outputFormat: 'png',
        syncMode: false,
        seed: undefined,
      },
    });
  });

  it('reports every bad field pydantic-style', () => {
    const result = validateModelInput({
      prompt: '  ',
      num_images: 5,
      aspect_ratio: '2:1',
      resolution: '8K',
      output_format: 'gif',
      sync_mode: 'yes',
    });
    expect(result.ok).toBe(false);
    const fields = !result.ok && result.detail.map((d) => d.loc.join('.'));
    expect(fields).toEqual([
      'body.prompt',
      'body.num_images',
      'body.aspect_ratio',
      'body.resolution',
      'body.output_format',
      'body.sync_mode',
    ]);
  });

  it.each([
    [{}, 'missing'],
    [{ prompt: 3 }, 'string_type'],
    [{ prompt: 'x', num_images: 0 }, 'greater_than_equal'],
    [{ prompt: 'x', num_images: 1.5 }, 'int_type'],
  ])('rejects %j with %s', (body, type) => {
    const result = validateModelInput(body);
    expect(!result.ok && result.detail[0].type).toBe(type);
  });

  it('rejects a body that is not an object', () => {
    expect(validateModelInput(undefined)).toMatchObject({ ok: false, detail: [{ loc: ['body'] }] });
  });
});

describe('imageSize', () => {
  it.each([
    ['1:1', '1K', 1024, 1024],
    ['16:9', '1K', 1024, 576],
    ['9:16', '2K', 1152, 2048],
    ['21:9', '4K', 4096, 1752],
    ['4:5', '1K', 816, 1024],
    ['3:2', '2K', 2048, 1368],
  ] as const)('%s at %s is %ix%i', (ratio, resolution, width, height) => {
    expect(imageSize(ratio, resolution)).toEqual({ width, height });
  });

  it('caps the long side when asked, keeping multiples of 8', () => {
    expect(imageSize('16:9', '4K', 1024)).toEqual({ width: 1024, height: 576 });
  });
});
