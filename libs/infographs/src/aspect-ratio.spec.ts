import { normaliseAspectRatio } from './aspect-ratio';

describe('normaliseAspectRatio', () => {
  it.each([
    ['16:9', '16:9'],
    ['16/9', '16:9'],
    ['9/16', '9:16'],
    ['21/9', '21:9'],
    ['1:1', '1:1'],
    ['4/5', '4:5'],
    ['  3/2  ', '3:2'],
    ['\t2:3\n', '2:3'],
    // The model picks the ratio itself.
    ['auto', 'auto'],
    ['AUTO', 'auto'],
    [' Auto ', 'auto'],
  ])('accepts %j as %s', (input, expected) => {
    expect(normaliseAspectRatio(input)).toBe(expected);
  });

  it.each([
    ['', 'empty'],
    ['   ', 'blank'],
    ['16x9', 'another separator'],
    ['16 : 9', 'spaces inside'],
    ['16:10', 'a ratio the model does not offer'],
    ['9:21', 'the inverse of one it does'],
    ['32:18', 'an unreduced ratio'],
    ['16//9', 'a doubled separator'],
    ['1/1/1', 'three parts'],
    ['16：9', 'a full-width colon'],
    ['automatic', 'another word'],
    ['auto:1', 'auto as half a ratio'],
  ])('refuses %j (%s)', (input) => {
    expect(normaliseAspectRatio(input)).toBeNull();
  });
});
