import { el, safeUrl } from './dom';
import {
  CANCELLED_WORD,
  STATUS_WORDS,
  dateOf,
  fileNameOf,
  isCancelled,
  titleOf,
} from './infograph-words';
import type { InfographUpdate, InfographView, Status } from './types';
import { isTerminal } from './types';

/** What a card shows: the live fields plus what we know of the request. */
export interface CardData extends InfographUpdate {
  prompt: string;
  aspect_ratio: string;
  resolution: string;
  /** Credits this image cost, i.e. what a failure refunds; null when unknown. */
  credits: number | null;
  /** When it was asked for; the page's clock for one created here. */
  created_at: string;
  width?: number | null;
  height?: number | null;
}

/** What the buttons on a card do (main.ts: they call the api and change other parts of the page). */
export interface CardActions {
  cancel(card: Card): Promise<void>;
  remove(card: Card): Promise<void>;
  /** "Try again" (1) and "variations" (2–4): new infographs from this one's prompt and settings. */
  regenerate(card: Card, count: number): Promise<void>;
  view(card: Card, from: HTMLElement): void;
}

const VARIATION_COUNTS = [2, 3, 4];

/** What a working card says it waits for, by `stage` (the api's; older answers have none). */
const STAGE_WORDS: Record<string, string> = {
  queued: 'In the queue…',
  generating: 'Generating…',
  uploading: 'Saving the image…',
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
  private rendered?: string;
  private workingText?: HTMLElement;
  private elapsedText?: HTMLElement;
  private ticker?: number;
  /** `elapsed_ms` as the api last said it, and when (the page's clock): what the ticker counts from. */
  private clock = { elapsedMs: 0, at: Date.now() };
  /** The status answer's `eta_ms` and when it came: the "about N s" counts down from it. */
  private eta?: { ms: number; at: number };

  constructor(
    private data: CardData,
    private readonly handlers: CardActions,
  ) {
    this.element = el('article', 'card');
    this.element.dataset.id = data.id;
    this.element.setAttribute('aria-label', this.title);
    // Where the focus goes when the control that had it re-renders away (a cancel, say).
    this.element.tabIndex = -1;
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
    const date = el('time', 'card-date muted', dateOf(data.created_at));
    date.dateTime = data.created_at;
    this.actions = el('div', 'card-actions');
    body.append(meta, prompt, date, this.actions);
    this.element.append(this.media, body);
    this.render();
  }

  get id(): string {
    return this.data.id;
  }

  get status(): Status {
    return this.data.status;
  }

  /** The prompt, shortened: what the card's buttons say they act on. */
  get title(): string {
    return titleOf(this.data.prompt);
  }

  get details(): Readonly<CardData> {
    return this.data;
  }

  /** Applies an update unless it is older than what we show (poll and socket can cross). */
  update(update: InfographUpdate & Partial<CardData>): boolean {
    if (update.updated_at < this.data.updated_at) {
      return false;
    }
    if (isTerminal(this.data.status) && !isTerminal(update.status)) {
      return false;
    }
    this.data = { ...this.data, ...update };
    if (typeof update.elapsed_ms === 'number') {
      this.clock = { elapsedMs: update.elapsed_ms, at: Date.now() };
    }
    const eta = (update as { eta_ms?: unknown }).eta_ms;
    if (typeof eta === 'number' || eta === null) {
      this.eta = typeof eta === 'number' ? { ms: eta, at: Date.now() } : undefined;
    }
    this.render();
    return true;
  }

  /** Stops the elapsed-time ticker; the card is leaving the page. */
  dispose(): void {
    window.clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private render(): void {
    const { status } = this.data;
    const cancelled = isCancelled(this.data);
    this.element.dataset.status = status;
    this.element.toggleAttribute('data-cancelled', cancelled);
    this.badge.className = `badge badge-${cancelled ? 'cancelled' : status}`;
    this.badge.textContent = cancelled ? CANCELLED_WORD : STATUS_WORDS[status];
    const shown = cancelled ? 'cancelled' : status;
    if (this.workingText) {
      this.workingText.textContent = this.stageWords();
    }
    if (this.rendered === shown) {
      return;
    }
    this.dispose();
    this.workingText = undefined;
    this.elapsedText = undefined;
    this.rendered = shown;
    const hadFocus = this.element.contains(document.activeElement);
    this.media.replaceChildren();
    this.actions.replaceChildren();
    const image = safeUrl(this.data.image_url);
    if (status === 'completed' && image) {
      this.renderImage(image);
    } else if (status === 'failed') {
      this.renderFailure(cancelled);
    } else {
      this.renderWorking();
    }
    this.element.setAttribute('aria-busy', String(!isTerminal(status)));
    if (hadFocus && !this.element.contains(document.activeElement)) {
      (this.actions.querySelector<HTMLElement>('button, a') ?? this.element).focus();
    }
  }

  private renderWorking(): void {
    const box = el('div', 'card-working');
    this.workingText = el('span', 'card-working-text', this.stageWords());
    // How long it has been, ticking here between the api's answers (not a live region: a count
    // read out every second would drown everything else).
    this.elapsedText = el('span', 'card-elapsed');
    box.append(el('span', 'spinner'), this.workingText, this.elapsedText);
    this.media.append(box);
    this.tick();
    this.ticker = window.setInterval(() => this.tick(), 1_000);
    const cancel = this.button('Cancel', `Cancel ${this.title}`, 'ghost', () =>
      this.handlers.cancel(this),
    );
    this.actions.append(cancel, this.deleteButton());
  }

  private renderImage(url: string): void {
    const open = el('a', 'card-image');
    open.href = url;
    open.setAttribute('aria-label', `View ${this.title}`);
    // A plain click opens the viewer; a middle or modified click still opens a new tab.
    open.addEventListener('click', (event) => {
      if (event.button === 0 && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
        event.preventDefault();
        this.handlers.view(this, open);
      }
    });
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
    download.download = fileNameOf(this.data.prompt, url);
    download.setAttribute('aria-label', `Download ${this.title}`);
    this.actions.append(download, ...this.again(), this.deleteButton());
  }

  private renderFailure(cancelled: boolean): void {
    const box = el('div', cancelled ? 'card-failure card-cancelled' : 'card-failure');
    box.setAttribute('role', 'status');
    box.append(
      el('strong', undefined, cancelled ? 'Cancelled' : 'Generation failed'),
      el(
        'p',
        'card-reason',
        this.data.error_message ??
          (cancelled ? 'You cancelled it.' : 'The image could not be generated.'),
      ),
    );
    this.media.append(box);
    const credits = this.data.credits;
    this.actions.append(
      el(
        'span',
        'refund',
        credits ? `${credits} credit${credits === 1 ? '' : 's'} refunded` : 'Credits refunded',
      ),
      ...this.again(),
      this.deleteButton(),
    );
  }

  private stageWords(): string {
    return (
      STAGE_WORDS[this.data.stage ?? ''] ??
      (this.data.status === 'pending' ? STAGE_WORDS.queued : STAGE_WORDS.generating)
    );
  }

  private tick(): void {
    if (!this.elapsedText) {
      return;
    }
    const seconds = Math.max(
      0,
      Math.floor((this.clock.elapsedMs + Date.now() - this.clock.at) / 1_000),
    );
    const elapsed = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
    // An estimate (the status answer's), rounded so it does not look more precise than it is.
    const left = this.eta ? this.eta.ms - (Date.now() - this.eta.at) : undefined;
    const about =
      left === undefined
        ? ''
        : left > 5_000
          ? ` · about ${Math.ceil(left / 5_000) * 5} s`
          : ' · almost done';
    this.elapsedText.textContent = `${elapsed}${about}`;
  }

  /** "Try again" (the same settings, once) and "Variations" (asks how many). */
  private again(): HTMLElement[] {
    const retry = this.button('Try again', `Try again: ${this.title}`, 'ghost', () =>
      this.handlers.regenerate(this, 1),
    );
    const variations = this.button(
      'Variations',
      `Variations of ${this.title}`,
      'ghost',
      (button) => {
        const choose = el('div', 'card-confirm');
        choose.setAttribute('role', 'group');
        choose.setAttribute('aria-label', `How many variations of ${this.title}?`);
        choose.append(el('span', 'small', 'How many?'));
        for (const count of VARIATION_COUNTS) {
          const pick = this.button(String(count), `Make ${count} variations`, 'ghost', () =>
            this.handlers.regenerate(this, count).then(() => back()),
          );
          choose.append(pick);
        }
        const keep = this.button('Back', 'Back, no variations', 'ghost', () => back());
        choose.append(keep);
        const back = () => {
          if (choose.isConnected) {
            const focused = choose.contains(document.activeElement);
            choose.replaceWith(button);
            if (focused) {
              button.focus();
            }
          }
        };
        button.replaceWith(choose);
        choose.querySelector('button')?.focus();
      },
    );
    return [retry, variations];
  }

  /** Delete, after a second, explicit click; an unfinished one is cancelled first (the api). */
  private deleteButton(): HTMLButtonElement {
    const remove = this.button('Delete', `Delete ${this.title}`, 'ghost danger-text', () => {
      const confirm = el('div', 'card-confirm');
      confirm.setAttribute('role', 'group');
      confirm.setAttribute('aria-label', `Delete ${this.title}?`);
      const yes = this.button('Delete', `Yes, delete ${this.title}`, 'danger', () =>
        this.handlers.remove(this),
      );
      const no = this.button('Keep', `Keep ${this.title}`, 'ghost', () => {
        confirm.replaceWith(remove);
        remove.focus();
      });
      confirm.append(
        el(
          'span',
          'small',
          isTerminal(this.data.status) ? 'Delete it for good?' : 'Cancel and delete it?',
        ),
        yes,
        no,
      );
      remove.replaceWith(confirm);
      yes.focus();
    });
    return remove;
  }

  /**
   * A card button. While its work is under way it says so (`aria-disabled`) and ignores clicks,
   * but keeps the focus: a `disabled` button would drop it to the page's start.
   */
  private button(
    text: string,
    label: string,
    variant: string,
    onClick: (button: HTMLButtonElement) => unknown,
  ): HTMLButtonElement {
    const button = el('button', `button small ${variant}`, text);
    button.type = 'button';
    button.setAttribute('aria-label', label);
    button.addEventListener('click', () => {
      if (button.getAttribute('aria-disabled') === 'true') {
        return;
      }
      button.setAttribute('aria-disabled', 'true');
      void Promise.resolve()
        .then(() => onClick(button))
        .finally(() => button.removeAttribute('aria-disabled'));
    });
    return button;
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

  constructor(private readonly actions: CardActions) {}

  has(id: string): boolean {
    return this.cards.has(id);
  }

  get(id: string): Card | undefined {
    return this.cards.get(id);
  }

  add(data: CardData): Card {
    const card = new Card(data, this.actions);
    this.cards.set(data.id, card);
    const early = this.early.get(data.id);
    if (early) {
      this.early.delete(data.id);
      card.update(early);
    }
    return card;
  }

  remove(id: string): void {
    this.cards.get(id)?.dispose();
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
