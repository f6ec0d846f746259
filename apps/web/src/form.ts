import { ApiError } from './api';
import { byId, el } from './dom';
import type { CreateRequest, Prices } from './types';

/**
 * The default prices (CREDITS_PRICE_PER_IMAGE, CREDITS_PRICE_4K in .env.example), used until
 * `GET /api/credits/prices/` answers (or if it cannot). Only an estimate either way: the server
 * charges, and a price it disagrees with shows up as a 402 with the real cost.
 */
export const DEFAULT_PRICES: Prices = { price_per_image: 1, price_4k: 2, starter_credits: 3 };

export const ASPECT_RATIOS = [
  '16:9',
  '21:9',
  '3:2',
  '4:3',
  '5:4',
  '1:1',
  '4:5',
  '3:4',
  '2:3',
  '9:16',
  // The model picks the ratio that suits the content.
  'auto',
] as const;
const RESOLUTIONS = ['1K', '2K', '4K'] as const;
const COUNTS = ['1', '2', '3', '4'] as const;
/** The form's fields, named as in the api, so "field: reason" lines land next to them. */
const FIELDS = ['prompt', 'blog_url', 'aspect_ratio', 'resolution', 'number_of_infographs'];

export function pricePerImage(prices: Prices, resolution: string): number {
  return resolution === '4K' ? prices.price_4k : prices.price_per_image;
}

export function costOf(prices: Prices, resolution: string, count: number): number {
  return pricePerImage(prices, resolution) * count;
}

export interface CreateFormOptions {
  balance: () => number | null;
  prices: () => Prices;
  /** Whether credits can be bought here: the short-balance state then offers to. */
  canBuy: () => boolean;
  buy: () => void;
  submit: (request: CreateRequest, idempotencyKey: string) => Promise<void>;
}

/** The create form: pickers, the cost before submitting, and the server's messages per field. */
export class CreateForm {
  private readonly form = byId<HTMLFormElement>('create-form');
  private readonly button = byId<HTMLButtonElement>('create-submit');
  private readonly cost = byId('create-cost');
  private readonly prompt = byId<HTMLTextAreaElement>('prompt');
  private readonly counter = byId('prompt-count');
  private readonly short = byId('create-short');
  private readonly shortText = byId('create-short-text');
  private readonly shortBuy = byId<HTMLButtonElement>('short-buy');
  private sending = false;
  /** Reused until the form changes, so resubmitting after a network error cannot charge twice. */
  private idempotencyKey = newKey();

  constructor(private readonly options: CreateFormOptions) {
    chips(byId('aspect-options'), 'aspect_ratio', ASPECT_RATIOS, '16:9', (ratio) => {
      if (ratio === 'auto') {
        return el('span', 'ratio-shape ratio-auto');
      }
      const shape = el('span', 'ratio-shape');
      const [w, h] = ratio.split(':').map(Number);
      const scale = 18 / Math.max(w, h);
      shape.style.width = `${Math.round(w * scale)}px`;
      shape.style.height = `${Math.round(h * scale)}px`;
      return shape;
    });
    chips(byId('resolution-options'), 'resolution', RESOLUTIONS, '1K');
    chips(byId('count-options'), 'number_of_infographs', COUNTS, '1');
    this.form.addEventListener('input', () => {
      this.idempotencyKey = newKey();
      this.refresh();
    });
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!this.button.disabled) {
        void this.send();
      }
    });
    this.shortBuy.addEventListener('click', () => this.options.buy());
    this.refresh();
  }

  /**
   * Recomputes the cost line (also when the balance or the prices change), and holds Generate
   * back, saying why and what would fit, while the balance is short of the cost.
   */
  refresh(): void {
    const prices = this.options.prices();
    const { resolution, number_of_infographs: count } = this.values();
    const each = pricePerImage(prices, resolution);
    const cost = each * count;
    const balance = this.options.balance();
    const short = balance !== null && cost > balance;
    const per = resolution === '4K' ? 'per 4K image' : 'per image';
    this.cost.replaceChildren(
      el('strong', undefined, credits(cost)),
      document.createTextNode(` · ${each} ${per}`),
    );
    this.cost.classList.toggle('short', short);
    if (short) {
      this.cost.append(el('span', 'cost-short', ` · you have ${balance}`));
    }
    this.short.classList.toggle('on', short);
    this.shortBuy.hidden = !(short && this.options.canBuy());
    // Empty (and so taking no room) while not short; the live region speaks when it fills.
    this.shortText.textContent = short
      ? `Not enough credits: ${count === 1 ? 'this image costs' : `these ${count} images cost`} ${credits(cost)} and you have ${balance}. ${fits(Math.floor((balance ?? 0) / each), resolution)}`
      : '';
    this.button.disabled = this.sending || short;
    this.counter.textContent = `${this.prompt.value.length} / 4000`;
    this.button.textContent = count === 1 ? 'Generate' : `Generate ${count}`;
  }

  private values(): CreateRequest {
    const data = new FormData(this.form);
    const text = (name: string): string => {
      const value = data.get(name);
      return typeof value === 'string' ? value : '';
    };
    const request: CreateRequest = {
      prompt: text('prompt'),
      aspect_ratio: text('aspect_ratio') || '16:9',
      resolution: text('resolution') || '1K',
      number_of_infographs: Number(text('number_of_infographs') || '1'),
    };
    const blogUrl = text('blog_url').trim();
    if (blogUrl) {
      request.blog_url = blogUrl;
    }
    return request;
  }

  private async send(): Promise<void> {
    this.clearErrors();
    this.sending = true;
    this.button.disabled = true;
    this.form.setAttribute('aria-busy', 'true');
    try {
      await this.options.submit(this.values(), this.idempotencyKey);
      // The prompt stays, to tweak and send again; only a new key, so that is a new request.
      this.idempotencyKey = newKey();
      this.refresh();
    } catch (error) {
      this.showError(error);
    } finally {
      this.sending = false;
      this.form.removeAttribute('aria-busy');
      this.refresh();
    }
  }

  private showError(error: unknown): void {
    if (!(error instanceof ApiError) || error.status !== 400) {
      this.formError(error instanceof Error ? [error.message] : ['Something went wrong.']);
      return;
    }
    const general: string[] = [];
    let first: HTMLElement | undefined;
    for (const line of error.messages) {
      const match = /^([a-z_]+)(?:\.[\w.]+)?: (.*)$/.exec(line);
      const field = match && FIELDS.includes(match[1]) ? match[1] : null;
      if (!match || !field) {
        general.push(line);
        continue;
      }
      const target = byId(`${field}-error`);
      target.textContent = target.textContent ? `${target.textContent} ${match[2]}` : match[2];
      const control = this.form.querySelector<HTMLElement>(`[name="${field}"]`);
      control?.setAttribute('aria-invalid', 'true');
      first ??= control ?? undefined;
    }
    if (general.length > 0) {
      this.formError(general);
    }
    first?.focus();
  }

  private formError(lines: string[]): void {
    byId('create-error').textContent = lines.join(' ');
  }

  private clearErrors(): void {
    byId('create-error').textContent = '';
    for (const field of FIELDS) {
      byId(`${field}-error`).textContent = '';
    }
    for (const invalid of this.form.querySelectorAll('[aria-invalid]')) {
      invalid.removeAttribute('aria-invalid');
    }
  }
}

function credits(n: number): string {
  return `${n} credit${n === 1 ? '' : 's'}`;
}

/** What the balance still buys at this resolution. */
function fits(images: number, resolution: string): string {
  const at = resolution === '4K' ? ' at 4K' : '';
  if (images === 0) {
    return `Not even one image fits your balance${at}.`;
  }
  return `${images} image${images === 1 ? ' fits' : 's fit'} your balance${at}.`;
}

/** A row of radio "chips" (real radios, so keyboard and screen readers work as usual). */
function chips(
  container: HTMLElement,
  name: string,
  values: readonly string[],
  checked: string,
  decorate?: (value: string) => HTMLElement,
): void {
  for (const value of values) {
    const label = el('label', 'chip');
    const input = el('input');
    input.type = 'radio';
    input.name = name;
    input.value = value;
    input.checked = value === checked;
    label.append(input);
    if (decorate) {
      label.append(decorate(value));
    }
    label.append(el('span', undefined, value));
    container.append(label);
  }
}

/** Random hex; not `crypto.randomUUID`, which only exists on https and localhost pages. */
export function newKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
