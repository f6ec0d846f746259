import { ApiError } from './api';
import { byId, el } from './dom';
import type { CreateRequest } from './types';

/**
 * The default prices (CREDITS_PRICE_PER_IMAGE, CREDITS_PRICE_4K in .env.example), repeated here
 * because the api does not publish them. Only an estimate: the server charges, and a different
 * deployment price shows up as a 402 with the real cost.
 */
export const PRICE_PER_IMAGE = 1;
export const PRICE_4K = 2;

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
] as const;
const RESOLUTIONS = ['1K', '2K', '4K'] as const;
const COUNTS = ['1', '2', '3', '4'] as const;
/** The form's fields, named as in the api, so "field: reason" lines land next to them. */
const FIELDS = ['prompt', 'blog_url', 'aspect_ratio', 'resolution', 'number_of_infographs'];

export function costOf(resolution: string, count: number): number {
  return (resolution === '4K' ? PRICE_4K : PRICE_PER_IMAGE) * count;
}

export interface CreateFormOptions {
  balance: () => number | null;
  submit: (request: CreateRequest, idempotencyKey: string) => Promise<void>;
}

/** The create form: pickers, the cost before submitting, and the server's messages per field. */
export class CreateForm {
  private readonly form = byId<HTMLFormElement>('create-form');
  private readonly button = byId<HTMLButtonElement>('create-submit');
  private readonly cost = byId('create-cost');
  private readonly prompt = byId<HTMLTextAreaElement>('prompt');
  private readonly counter = byId('prompt-count');
  /** Reused until the form changes, so resubmitting after a network error cannot charge twice. */
  private idempotencyKey = newKey();

  constructor(private readonly options: CreateFormOptions) {
    chips(byId('aspect-options'), 'aspect_ratio', ASPECT_RATIOS, '16:9', (ratio) => {
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
      void this.send();
    });
    this.refresh();
  }

  /** Recomputes the cost line (also when the balance changes). */
  refresh(): void {
    const { resolution, number_of_infographs: count } = this.values();
    const cost = costOf(resolution, count);
    const balance = this.options.balance();
    const short = balance !== null && cost > balance;
    this.cost.replaceChildren(
      el('strong', undefined, `${cost} credit${cost === 1 ? '' : 's'}`),
      document.createTextNode(
        resolution === '4K' ? ` · ${PRICE_4K} per 4K image` : ` · ${PRICE_PER_IMAGE} per image`,
      ),
    );
    this.cost.classList.toggle('short', short);
    if (short) {
      this.cost.append(el('span', 'cost-short', ` · you have ${balance}`));
    }
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
    this.button.disabled = true;
    this.form.setAttribute('aria-busy', 'true');
    try {
      await this.options.submit(this.values(), this.idempotencyKey);
      this.idempotencyKey = newKey();
      this.prompt.value = '';
      this.refresh();
    } catch (error) {
      this.showError(error);
    } finally {
      this.button.disabled = false;
      this.form.removeAttribute('aria-busy');
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
function newKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
