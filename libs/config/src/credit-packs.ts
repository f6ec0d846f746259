/** One credit pack a user can buy: what they get and what Stripe charges for it. */
export interface CreditPack {
  /** Stable id, sent by clients and recorded with each purchase (`starter`). */
  id: string;
  /** What the checkout page and the web page show (`Starter: 10 credits`). */
  name: string;
  credits: number;
  /**
   * What it costs, in the currency's smallest unit, as Stripe counts it: cents for `usd` and
   * `eur`, yen for `jpy` (500 with `usd` is $5.00).
   */
  price: number;
  /** ISO 4217, lower case as Stripe writes it (`usd`). */
  currency: string;
}

/** Illustrative packs, so the feature works as soon as Stripe keys are set; set your own prices. */
export const DEFAULT_CREDIT_PACKS = JSON.stringify([
  { id: 'starter', name: 'Starter: 10 credits', credits: 10, price: 500, currency: 'usd' },
  { id: 'standard', name: 'Standard: 50 credits', credits: 50, price: 2000, currency: 'usd' },
  { id: 'studio', name: 'Studio: 200 credits', credits: 200, price: 6000, currency: 'usd' },
]);

const MAX_PACKS = 20;
const PACK_ID = /^[a-z0-9][a-z0-9_-]{0,31}$/;
/** Stripe's largest unit_amount is eight digits. */
const MAX_PRICE = 99_999_999;
const MAX_CREDITS = 1_000_000;
const FIELDS = ['id', 'name', 'credits', 'price', 'currency'];

/**
 * Reads `CREDIT_PACKS` (a JSON array of packs) and says every problem with it, each naming the
 * pack and the field, so a wrong price never reaches a checkout page.
 */
export function parseCreditPacks(raw: string): { packs: CreditPack[]; problems: string[] } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return { packs: [], problems: [`CREDIT_PACKS is not JSON: ${(error as Error).message}`] };
  }
  if (!Array.isArray(value)) {
    return {
      packs: [],
      problems: [
        'CREDIT_PACKS must be a JSON array of packs, e.g. [{"id":"starter","name":"10 credits","credits":10,"price":500,"currency":"usd"}]',
      ],
    };
  }
  if (value.length > MAX_PACKS) {
    return {
      packs: [],
      problems: [`CREDIT_PACKS has ${value.length} packs; at most ${MAX_PACKS}`],
    };
  }
  const problems: string[] = [];
  const packs: CreditPack[] = [];
  const seen = new Set<string>();
  value.forEach((item: unknown, index) => {
    const where = `CREDIT_PACKS[${index}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      problems.push(`${where} must be an object with ${FIELDS.join(', ')}`);
      return;
    }
    const pack = item as Record<string, unknown>;
    const own: string[] = [];
    const unknown = Object.keys(pack).filter((key) => !FIELDS.includes(key));
    if (unknown.length > 0) {
      own.push(
        `${where} has unknown field(s) ${unknown.join(', ')}; a pack has ${FIELDS.join(', ')}`,
      );
    }
    if (typeof pack.id !== 'string' || !PACK_ID.test(pack.id)) {
      own.push(
        `${where}.id must be 1-32 lower-case letters, digits, _ or -, starting with a letter or digit`,
      );
    } else if (seen.has(pack.id)) {
      own.push(`${where}.id "${pack.id}" is used by another pack`);
    }
    if (typeof pack.name !== 'string' || pack.name.trim() === '' || pack.name.length > 100) {
      own.push(`${where}.name must be a non-blank string of at most 100 characters`);
    }
    if (!isWholeIn(pack.credits, 1, MAX_CREDITS)) {
      own.push(`${where}.credits must be a whole number from 1 to ${MAX_CREDITS}`);
    }
    if (!isWholeIn(pack.price, 1, MAX_PRICE)) {
      own.push(
        `${where}.price must be a whole number from 1 to ${MAX_PRICE}, in the currency's smallest unit (500 with usd is $5.00)`,
      );
    }
    if (typeof pack.currency !== 'string' || !/^[A-Za-z]{3}$/.test(pack.currency)) {
      own.push(`${where}.currency must be a three-letter ISO 4217 code such as usd`);
    }
    problems.push(...own);
    if (own.length === 0) {
      seen.add(pack.id as string);
      packs.push({
        id: pack.id as string,
        name: (pack.name as string).trim(),
        credits: pack.credits as number,
        price: pack.price as number,
        currency: (pack.currency as string).toLowerCase(),
      });
    }
  });
  return { packs: problems.length === 0 ? packs : [], problems };
}

function isWholeIn(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}
