import coffeeWorld from '../examples/coffee-world.svg';
import solarPanels from '../examples/solar-panels.svg';
import waterCycle from '../examples/water-cycle.svg';
import { byId, el } from './dom';
import type { CreditPack, Prices } from './types';

/** Illustrations of the kind of image the product makes (drawn by hand, small SVGs). */
const EXAMPLES = [
  {
    src: solarPanels,
    ratio: '16 / 9',
    caption: '“How solar panels work”, 16:9',
    alt: 'Example infographic: how solar panels work, in three steps from sunlight to mains power.',
  },
  {
    src: waterCycle,
    ratio: '4 / 5',
    caption: '“The water cycle”, 4:5',
    alt: 'Example infographic: the water cycle, evaporation, condensation, rain and collection.',
  },
  {
    src: coffeeWorld,
    ratio: '1 / 1',
    caption: '“Coffee around the world”, 1:1',
    alt: 'Example infographic: a bar chart of coffee drunk per person in five countries.',
  },
];

/** The signed-out first screen's examples. */
export function renderExamples(): void {
  const grid = byId('example-grid');
  if (grid.childElementCount > 0) {
    return;
  }
  for (const example of EXAMPLES) {
    const figure = el('figure', 'example');
    const img = el('img');
    img.src = example.src;
    img.alt = example.alt;
    img.decoding = 'async';
    img.style.aspectRatio = example.ratio;
    figure.append(img, el('figcaption', 'muted small', example.caption));
    grid.append(figure);
  }
}

/** The price list: what an image costs, what a new account gets, and the packs when on sale. */
export function renderPricing(prices: Prices, packs: CreditPack[]): void {
  const items = [
    `${credits(prices.price_per_image)} per image at 1K or 2K, ${credits(prices.price_4k)} at 4K.`,
  ];
  if (prices.starter_credits > 0) {
    items.push(
      `${credits(prices.starter_credits)} free when you confirm your e-mail address: ${
        prices.starter_credits === 1 ? 'your first image' : 'your first images'
      } on us.`,
    );
  }
  items.push('A failed image costs nothing: its credits come back at once.');
  for (const pack of packs) {
    items.push(`${pack.name}: ${formatPrice(pack.price, pack.currency)}.`);
  }
  byId('price-list').replaceChildren(...items.map((text) => el('li', undefined, text)));
  byId('signup-offer').textContent =
    prices.starter_credits > 0
      ? `Confirm your e-mail address and get ${credits(prices.starter_credits)} to start with.`
      : '';
}

export function credits(n: number): string {
  return `${n} credit${n === 1 ? '' : 's'}`;
}

/** A price in the currency's smallest unit, as Stripe counts it (500 usd: $5.00; 500 jpy: ¥500). */
export function formatPrice(amount: number, currency: string): string {
  try {
    const format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
    const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
    return format.format(amount / 10 ** digits);
  } catch {
    return `${amount} ${currency.toUpperCase()}`;
  }
}
