import { el, safeUrl } from './dom';
import type { InfographUpdate, InfographView, Status } from './types';
import { isTerminal } from './types';

/** What a card shows: the live fields plus what we know of the request. */
export interface CardData extends InfographUpdate {
  prompt: string;
  aspect_ratio: string;
  resolution: string;
  /** Credits this image cost, i.e. what a failure refunds; null when unknown. */
  credits: number | null;
}

const LABELS: Record<Status, string> = {
  pending: 'Queued',
  processing: 'Generating',
  completed: 'Ready',
  failed: 'Failed',
};

export function fromView(view: InfographView): CardData {
  return { ...view, credits: view.credits_charged };
}

/** One infograph on the page; `update` re-renders only what a status change touches. */
export class Card {
  readonly element: HTMLElement;
  private readonly media: HTMLElement;
  private readonly badge: HTMLElement;
  private readonly actions: HTMLElement;
  private rendered?: Status;

  constructor(private data: CardData) {
    this.element = el('article', 'card');
    this.element.dataset.id = data.id;
    this.media = el('div', 'card-media');
    // CSSOM, not a style attribute: allowed by the page's CSP and keeps the grid from jumping.
    // `auto` (the model picks): square until the image shows its own shape.
    this.media.style.aspectRatio =
      data.aspect_ratio === 'auto' ? '1 / 1' : data.aspect_ratio.replace(/[:/]/, ' / ');
    const body = el('div', 'card-body');
    const meta = el('div', 'card-meta');
    this.badge = el('span', 'badge');
    meta.append(this.badge, el('span', 'card-spec', `${data.aspect_ratio} · ${data.resolution}`));
    const prompt = el('p', 'card-prompt', data.prompt);
    prompt.title = data.prompt;
    this.actions = el('div', 'card-actions');
    body.append(meta, prompt, this.actions);
    this.element.append(this.media, body);
    this.render();
  }

  get id(): string {
    return this.data.id;
  }

  get status(): Status {
    return this.data.status;
  }

  /** Applies an update unless it is older than what we show (poll and socket can cross). */
  update(update: InfographUpdate): boolean {
    if (update.updated_at < this.data.updated_at) {
      return false;
    }
    if (isTerminal(this.data.status) && !isTerminal(update.status)) {
      return false;
    }
    this.data = { ...this.data, ...update };
    this.render();
    return true;
  }

  private render(): void {
    const { status } = this.data;
    this.element.dataset.status = status;
    this.badge.className = `badge badge-${status}`;
    this.badge.textContent = LABELS[status];
    if (this.rendered === status) {
      return;
    }
    this.rendered = status;
    this.media.replaceChildren();
    this.actions.replaceChildren();
    const image = safeUrl(this.data.image_url);
    if (status === 'completed' && image) {
      this.renderImage(image);
    } else if (status === 'failed') {
      this.renderFailure();
    } else {
      this.renderWorking(status);
    }
    this.element.setAttribute('aria-busy', String(!isTerminal(status)));
  }

  private renderWorking(status: Status): void {
    const box = el('div', 'card-working');
    box.append(
      el('span', 'spinner'),
      el('span', 'card-working-text', status === 'pending' ? 'In the queue…' : 'Generating…'),
    );
    this.media.append(box);
  }

  private renderImage(url: string): void {
    const open = el('a', 'card-image');
    open.href = url;
    open.target = '_blank';
    open.rel = 'noopener';
    open.title = 'Open full size';
    const img = el('img');
    img.src = url;
    img.alt = `Infographic: ${this.data.prompt}`;
    img.decoding = 'async';
    img.loading = 'lazy';
    open.append(img);
    this.media.append(open);
    if (this.data.aspect_ratio === 'auto') {
      this.media.style.aspectRatio = 'auto';
    }

    const download = el('a', 'button small', 'Download');
    download.href = url;
    download.download = `infographic-${this.data.id}.png`;
    this.actions.append(download);
  }

  private renderFailure(): void {
    const box = el('div', 'card-failure');
    box.setAttribute('role', 'status');
    box.append(
      el('strong', undefined, 'Generation failed'),
      el('p', 'card-reason', this.data.error_message ?? 'The image could not be generated.'),
    );
    this.media.append(box);
    const credits = this.data.credits;
    this.actions.append(
      el(
        'span',
        'refund',
        credits ? `${credits} credit${credits === 1 ? '' : 's'} refunded` : 'Credits refunded',
      ),
    );
  }
}

/** Every card on the page by id, so an update finds its card wherever it is shown. */
export class CardRegistry {
  private readonly cards = new Map<string, Card>();
  /**
   * Events for ids without a card yet: the socket can report a new infograph before the create
   * request's answer has made its card. Kept small; anything lost is caught by the next poll.
   */
  private readonly early = new Map<string, InfographUpdate>();

  has(id: string): boolean {
    return this.cards.has(id);
  }

  add(data: CardData): Card {
    const card = new Card(data);
    this.cards.set(data.id, card);
    const early = this.early.get(data.id);
    if (early) {
      this.early.delete(data.id);
      card.update(early);
    }
    return card;
  }

  remove(id: string): void {
    this.cards.get(id)?.element.remove();
    this.cards.delete(id);
  }

  /** Returns true when this update finished the infograph (it just became completed or failed). */
  apply(update: InfographUpdate): boolean {
    const card = this.cards.get(update.id);
    if (!card) {
      this.early.set(update.id, update);
      if (this.early.size > 50) {
        this.early.delete(this.early.keys().next().value as string);
      }
      return false;
    }
    const wasTerminal = isTerminal(card.status);
    return card.update(update) && !wasTerminal && isTerminal(card.status);
  }

  clear(): void {
    for (const id of [...this.cards.keys()]) {
      this.remove(id);
    }
    this.early.clear();
  }

  unfinished(): string[] {
    return [...this.cards.values()].filter((c) => !isTerminal(c.status)).map((c) => c.id);
  }
}
