import { ApiClient, messageOf, publicApi } from './api';
import { closeButtons } from './account';
import { byId, el, safeUrl } from './dom';
import { credits, formatPrice } from './landing';
import type { CheckoutReturn } from './links';
import type { Tone } from './notice';
import type { CreditPack, CreditPacks } from './types';

/**
 * After Stripe sends the buyer back: how long to look for the credits, and how often while the
 * socket is down. While it is up, `credits.updated` says when to look; the slow check only covers
 * an event lost on the way (pub/sub keeps nothing).
 */
const CONFIRM_POLL_MS = 2_000;
const CONFIRM_LIVE_CHECK_MS = 30_000;
const CONFIRM_WAIT_MS = 3 * 60_000;

export interface PurchasesOptions {
  api: () => ApiClient;
  /** Whether the socket is open, so `credits.updated` will tell when the balance changes. */
  live: () => boolean;
  /** Reads the balance again and shows it. */
  refreshBalance: () => Promise<void>;
  announce: (message: string, tone: Tone) => void;
  /** Tells the create form whether buying is offered here. */
  changed: () => void;
}

/**
 * Buying credits with Stripe Checkout: the packs (when this server sells them), a checkout for
 * the chosen one, and, when Stripe sends the buyer back, watching the purchase until its credits
 * arrive. The grant comes from Stripe's webhook, not from the return; the socket's
 * `credits.updated` shows the new balance (main.ts) and `nudge`s the watch to look at the
 * purchase. While the socket is down the watch asks every 2 s instead, for up to 3 minutes.
 */
export class Purchases {
  private readonly dialog = byId<HTMLDialogElement>('buy-dialog');
  private readonly error = byId('buy-error');
  private packs: CreditPack[] = [];
  private enabled = false;
  /** Bumped to stop a watch (sign-out, a newer return). */
  private watch = 0;
  /** Bumped by `nudge`, so news that came while the watch was asking is not slept through. */
  private news = 0;
  private wake?: () => void;

  constructor(private readonly options: PurchasesOptions) {
    closeButtons(this.dialog);
    byId('buy-open').addEventListener('click', () => this.open());
  }

  get available(): boolean {
    return this.enabled && this.packs.length > 0;
  }

  /** Reads the packs; until it answers (or if it cannot), nothing offers to buy. */
  async load(): Promise<CreditPacks | null> {
    try {
      const answer = await publicApi.packs();
      this.enabled = answer.purchases_enabled;
      this.packs = answer.packs;
      this.render();
      return answer;
    } catch {
      return null;
    } finally {
      byId('buy-open').hidden = !this.available;
      this.options.changed();
    }
  }

  open(): void {
    if (!this.available) {
      return;
    }
    this.error.textContent = '';
    for (const button of this.dialog.querySelectorAll<HTMLButtonElement>('.pack')) {
      button.disabled = false;
    }
    this.dialog.showModal();
  }

  /** The balance changed (`credits.updated`), or the socket opened or closed: look again now. */
  nudge(): void {
    this.news += 1;
    this.wake?.();
  }

  stop(): void {
    this.watch += 1;
    this.wake?.();
    if (this.dialog.open) {
      this.dialog.close();
    }
  }

  /** Stripe sent the buyer back: say so, and on success watch for the credits. */
  async followReturn(back: CheckoutReturn): Promise<void> {
    const watch = ++this.watch;
    if (back.outcome === 'cancel') {
      this.options.announce('Checkout cancelled: nothing was charged.', 'info');
      return;
    }
    this.options.announce(
      'Thank you! Your credits appear here as soon as Stripe confirms the payment.',
      'info',
    );
    const deadline = Date.now() + CONFIRM_WAIT_MS;
    while (watch === this.watch && Date.now() < deadline) {
      const seen = this.news;
      const purchase = back.purchaseId ? await this.purchase(back.purchaseId) : null;
      if (watch !== this.watch) {
        return;
      }
      if (purchase && purchase.status !== 'pending') {
        await this.options.refreshBalance();
        if (purchase.status === 'failed' || purchase.status === 'expired') {
          this.options.announce('The payment did not go through: nothing was charged.', 'error');
        } else {
          this.options.announce(`${credits(purchase.credits)} added to your balance.`, 'success');
        }
        return;
      }
      if (!this.options.live()) {
        await this.options.refreshBalance();
      }
      await this.nextLook(seen);
    }
    if (watch === this.watch) {
      this.options.announce(
        'Your payment is still being confirmed (a bank payment can take a few days); the credits appear when it is.',
        'info',
      );
    }
  }

  /** Resolves on news since `seen`, or after the poll interval (long while the socket is up). */
  private nextLook(seen: number): Promise<void> {
    if (this.news !== seen) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = window.setTimeout(
        () => done(),
        this.options.live() ? CONFIRM_LIVE_CHECK_MS : CONFIRM_POLL_MS,
      );
      const done = () => {
        window.clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
    });
  }

  private async purchase(id: string) {
    try {
      const { items } = await this.options.api().purchases(20);
      return items.find((item) => item.id === id) ?? null;
    } catch {
      return null; // The next round asks again.
    }
  }

  private render(): void {
    const list = byId('pack-list');
    list.replaceChildren(
      ...this.packs.map((pack) => {
        const button = el('button', 'pack');
        button.type = 'button';
        button.append(
          el('span', 'pack-name', pack.name),
          el('span', 'pack-price', formatPrice(pack.price, pack.currency)),
        );
        button.addEventListener('click', () => void this.checkout(pack, button));
        return button;
      }),
    );
  }

  private async checkout(pack: CreditPack, button: HTMLButtonElement): Promise<void> {
    this.error.textContent = '';
    const buttons = [...this.dialog.querySelectorAll<HTMLButtonElement>('.pack')];
    for (const other of buttons) {
      other.disabled = true;
    }
    button.setAttribute('aria-busy', 'true');
    try {
      const { checkout_url } = await this.options.api().checkout(pack.id);
      const url = safeUrl(checkout_url);
      if (!url) {
        throw new Error('The server gave no checkout page to go to.');
      }
      // Stripe's hosted page; it sends the buyer back with ?checkout=success or cancel.
      location.assign(url);
    } catch (error) {
      this.error.textContent = messageOf(error);
      for (const other of buttons) {
        other.disabled = false;
      }
      button.focus();
    } finally {
      button.removeAttribute('aria-busy');
    }
  }
}
