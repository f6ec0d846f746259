/**
 * Polls `probe` until it returns a value that `done` accepts, checking the deadline inside the
 * loop; fails with the last value seen so a timeout explains itself.
 */
export async function waitFor<T>(
  probe: () => Promise<T> | T,
  done: (value: T) => boolean,
  options: { timeoutMs?: number; intervalMs?: number; describe?: string } = {},
): Promise<T> {
  const { timeoutMs = 15_000, intervalMs = 100, describe = 'condition' } = options;
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await probe();
      if (done(last)) {
        return last;
      }
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const seen = lastError instanceof Error ? `error ${lastError.message}` : JSON.stringify(last);
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${describe}; last seen: ${seen}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
