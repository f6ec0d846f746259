import { DEFAULT_CREDIT_PACKS, parseCreditPacks } from './credit-packs';

const pack = { id: 'starter', name: 'Starter', credits: 10, price: 500, currency: 'usd' };
const parse = (value: unknown) => parseCreditPacks(JSON.stringify(value));

describe('parseCreditPacks', () => {
  it('reads the defaults and a valid list, lower-casing currencies and trimming names', () => {
    expect(parseCreditPacks(DEFAULT_CREDIT_PACKS).problems).toEqual([]);
    expect(parseCreditPacks(DEFAULT_CREDIT_PACKS).packs.map((p) => p.id)).toEqual([
      'starter',
      'standard',
      'studio',
    ]);
    expect(parse([{ ...pack, name: ' Starter ', currency: 'EUR' }])).toEqual({
      packs: [{ ...pack, currency: 'eur' }],
      problems: [],
    });
    expect(parse([])).toEqual({ packs: [], problems: [] });
  });

  it('says what is wrong with text that is not a JSON array of objects', () => {
    expect(parseCreditPacks('starter:10:500').problems[0]).toMatch(/^CREDIT_PACKS is not JSON/);
    expect(parse({ packs: [] }).problems[0]).toMatch(/^CREDIT_PACKS must be a JSON array/);
    expect(parse([1]).problems).toEqual([
      'CREDIT_PACKS[0] must be an object with id, name, credits, price, currency',
    ]);
    expect(parse(Array(21).fill(pack)).problems).toEqual(['CREDIT_PACKS has 21 packs; at most 20']);
  });

  it('names the pack and field of every problem, and keeps none of the packs then', () => {
    const { packs, problems } = parse([
      pack,
      { ...pack, id: 'Big Pack', credits: 0, price: 4.99, currency: 'dollars', name: ' ' },
      { ...pack, colour: 'gold' },
    ]);
    expect(packs).toEqual([]);
    expect(problems).toEqual([
      expect.stringMatching(/^CREDIT_PACKS\[1\]\.id must be 1-32 lower-case letters/),
      'CREDIT_PACKS[1].name must be a non-blank string of at most 100 characters',
      'CREDIT_PACKS[1].credits must be a whole number from 1 to 1000000',
      expect.stringMatching(/^CREDIT_PACKS\[1\]\.price must be a whole number .*smallest unit/),
      'CREDIT_PACKS[1].currency must be a three-letter ISO 4217 code such as usd',
      expect.stringMatching(/^CREDIT_PACKS\[2\] has unknown field\(s\) colour/),
      'CREDIT_PACKS[2].id "starter" is used by another pack',
    ]);
  });
});
