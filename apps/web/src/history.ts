import type { ApiClient } from './api';
import type { CardRegistry } from './cards';
import { fromView } from './cards';
import { byId } from './dom';
import { FILTER_WORDS } from './infograph-words';
import type { Status } from './types';
import { STATUSES } from './types';

const PAGE_SIZE = 12;

/** The user's earlier infographs, newest first, a page at a time, optionally by status. */
export class History {
  private readonly grid = byId('history-grid');
  private readonly more = byId<HTMLButtonElement>('history-more');
  private readonly empty = byId('history-empty');
  private readonly error = byId('history-error');
  private readonly filter = byId<HTMLSelectElement>('history-filter');
  private cursor: string | null = null;
  /** Bumped on every reload so the answer of a superseded request is dropped. */
  private generation = 0;
  private shown: string[] = [];

  constructor(
    private readonly api: () => ApiClient,
    private readonly cards: CardRegistry,
  ) {
    // The badges' words (index.html has them too, for the moment before this runs).
    for (const option of this.filter.options) {
      if ((STATUSES as readonly string[]).includes(option.value)) {
        option.textContent = FILTER_WORDS[option.value as Status];
      }
    }
    this.filter.addEventListener('change', () => void this.reload());
    this.more.addEventListener('click', () => void this.load());
  }

  async reload(): Promise<void> {
    this.generation += 1;
    for (const id of this.shown) {
      this.cards.remove(id);
    }
    this.shown = [];
    this.cursor = null;
    this.grid.replaceChildren();
    await this.load();
  }

  private async load(): Promise<void> {
    const generation = this.generation;
    this.more.disabled = true;
    this.grid.setAttribute('aria-busy', 'true');
    this.error.textContent = '';
    try {
      const page = await this.api().history({
        status: this.status(),
        limit: PAGE_SIZE,
        cursor: this.cursor ?? undefined,
      });
      if (generation !== this.generation) {
        return;
      }
      for (const item of page.items) {
        // Created on this page already: its card lives in "Just created".
        if (!this.cards.has(item.id)) {
          this.grid.append(this.cards.add(fromView(item)).element);
          this.shown.push(item.id);
        }
      }
      this.cursor = page.next_cursor;
    } catch (error) {
      if (generation === this.generation) {
        this.error.textContent = `Could not load the history: ${(error as Error).message}`;
      }
    } finally {
      if (generation === this.generation) {
        this.more.disabled = false;
        this.more.hidden = this.cursor === null;
        this.showEmpty();
        this.grid.removeAttribute('aria-busy');
      }
    }
  }

  /** Says when the list is empty, and whether that is the filter's doing. */
  showEmpty(): void {
    const status = this.status();
    this.empty.textContent = status
      ? `No infographics with the status “${FILTER_WORDS[status]}”.`
      : 'No infographics here yet.';
    this.empty.hidden = this.grid.childElementCount > 0 || this.error.textContent !== '';
  }

  private status(): Status | undefined {
    const value = this.filter.value;
    return (STATUSES as readonly string[]).includes(value) ? (value as Status) : undefined;
  }
}
