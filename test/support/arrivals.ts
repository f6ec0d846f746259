/**
 * What a stand-in server received, and waiting for a matching arrival without polling: the
 * server calls `arrived` after each push, and `waitFor` settles the moment one matches (or
 * rejects after `timeoutMs` with `describe()`'s account of what came instead).
 */
export class Arrivals<T> {
  readonly items: T[] = [];
  private readonly waiters = new Set<() => void>();

  arrived(item: T): void {
    this.items.push(item);
    for (const wake of this.waiters) {
      wake();
    }
  }

  waitFor(predicate: (item: T) => boolean, timeoutMs: number, describe: () => string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.items.find(predicate);
        if (found) {
          clearTimeout(timer);
          this.waiters.delete(check);
          resolve(found);
        }
        return Boolean(found);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(describe()));
      }, timeoutMs);
      if (!check()) {
        this.waiters.add(check);
      }
    });
  }
}
