import { falInputFor } from './fal-input';

describe('falInputFor', () => {
  it('asks fal for one PNG at the infograph’s ratio and resolution', () => {
    expect(falInputFor({ aspectRatio: '9:16', resolution: '4K' }, 'a prompt')).toEqual({
      prompt: 'a prompt',
      num_images: 1,
      aspect_ratio: '9:16',
      resolution: '4K',
      output_format: 'png',
    });
  });

  it('passes `auto` through: the model picks the ratio', () => {
    expect(falInputFor({ aspectRatio: 'auto', resolution: '1K' }, 'p')).toMatchObject({
      aspect_ratio: 'auto',
    });
  });

  it('sends safety_tolerance only when one is configured, as the string fal expects', () => {
    expect(falInputFor({ aspectRatio: '1:1', resolution: '1K' }, 'p')).not.toHaveProperty(
      'safety_tolerance',
    );
    expect(
      falInputFor({ aspectRatio: '1:1', resolution: '1K' }, 'p', { safetyTolerance: '2' }),
    ).toMatchObject({ safety_tolerance: '2' });
  });

  it('refuses a row with values we do not offer rather than send fal garbage', () => {
    expect(() => falInputFor({ aspectRatio: '7:3', resolution: '1K' }, 'p')).toThrow(/7:3/);
    expect(() => falInputFor({ aspectRatio: '1:1', resolution: '8K' }, 'p')).toThrow(/8K/);
  });
});
