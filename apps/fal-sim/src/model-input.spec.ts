import { ASPECT_RATIOS, imageSize, validateModelInput } from './model-input';

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
        safetyTolerance: '4',
        seed: undefined,
      },
    });
  });

  it('accepts what fal accepts: aspect_ratio auto, safety_tolerance as a string', () => {
    for (const tolerance of ['1', '6']) {
      expect(
        validateModelInput({ prompt: 'x', aspect_ratio: 'auto', safety_tolerance: tolerance }),
      ).toMatchObject({ ok: true, input: { aspectRatio: 'auto', safetyTolerance: tolerance } });
    }
  });

  it.each([4, '0', '7', 'high'])('refuses safety_tolerance %j like fal (a literal)', (value) => {
    expect(validateModelInput({ prompt: 'x', safety_tolerance: value })).toMatchObject({
      ok: false,
      detail: [{ loc: ['body', 'safety_tolerance'], type: 'literal_error' }],
    });
  });

  it('still yields an input, defaults for the bad fields, for a refused body', () => {
    // fal queues a refused input anyway: fal-sim needs its prompt (markers) and resolution.
    expect(
      validateModelInput({ prompt: 'Keep me [sim:dup]', num_images: 9, resolution: '4K' }),
    ).toMatchObject({
      ok: false,
      input: { prompt: 'Keep me [sim:dup]', numImages: 1, resolution: '4K', aspectRatio: '1:1' },
    });
    expect(validateModelInput([1])).toMatchObject({ ok: false, input: { prompt: '' } });
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
    ['16:9', '1K', 1376, 768],
    ['9:16', '2K', 1536, 2752],
    ['21:9', '4K', 6336, 2688],
    ['4:5', '1K', 928, 1152],
    ['3:2', '2K', 2528, 1696],
    ['auto', '1K', 1024, 1024],
  ] as const)('%s at %s is %ix%i', (ratio, resolution, width, height) => {
    expect(imageSize(ratio, resolution)).toEqual({ width, height });
  });

  it.each([
    ['1K', 1],
    ['2K', 4],
    ['4K', 16],
  ] as const)('makes %s about %i megapixels at every ratio, following it', (resolution, mp) => {
    for (const ratio of ASPECT_RATIOS.filter((r) => r !== 'auto')) {
      const { width, height } = imageSize(ratio, resolution);
      expect((width * height) / 2 ** 20 / mp).toBeGreaterThan(0.95);
      expect((width * height) / 2 ** 20 / mp).toBeLessThan(1.1);
      const [w, h] = ratio.split(':').map(Number);
      expect(Math.abs(width / height / (w / h) - 1)).toBeLessThan(0.03);
      expect([width % 16, height % 16]).toEqual([0, 0]);
    }
  });

  it('caps the long side when asked, keeping the ratio and multiples of 8', () => {
    expect(imageSize('16:9', '4K', 1024)).toEqual({ width: 1024, height: 568 });
    expect(imageSize('1:1', '1K', 4096)).toEqual({ width: 1024, height: 1024 });
  });
});
