import { jsonShapeProblem } from './json-shape';

const limits = { depth: 3, entriesPerContainer: 4, entries: 6 };

describe('jsonShapeProblem', () => {
  it('accepts bodies within every limit, and non-objects', () => {
    expect(jsonShapeProblem({ a: 1, b: [1, 2], c: { d: 'x' } }, limits)).toBeUndefined();
    expect(jsonShapeProblem('text', limits)).toBeUndefined();
    expect(jsonShapeProblem(null, limits)).toBeUndefined();
    expect(jsonShapeProblem(Buffer.alloc(100), limits)).toBeUndefined();
  });

  it('names the depth limit', () => {
    expect(jsonShapeProblem({ a: { b: { c: { d: 1 } } } }, limits)).toBe(
      'The JSON body is nested deeper than 3 levels.',
    );
  });

  it('names too many keys or items in one place', () => {
    expect(jsonShapeProblem({ a: 1, b: 2, c: 3, d: 4, e: 5 }, limits)).toMatch(
      /an object with more than 4 keys/,
    );
    expect(jsonShapeProblem({ a: [1, 2, 3, 4, 5] }, limits)).toMatch(
      /an array with more than 4 items/,
    );
  });

  it('counts keys and items over the whole body', () => {
    expect(jsonShapeProblem({ a: [1, 2, 3], b: [1, 2] }, limits)).toMatch(
      /more than 6 keys and array items in all/,
    );
  });

  it('measures a very deep body without overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) {
      deep = [deep];
    }
    expect(jsonShapeProblem(deep)).toMatch(/nested deeper than 32 levels/);
  });
});
