/**
 * Anyone can post forged webhooks, and each one would cost a row and a log line: this bounds
 * both. The first `limit` rejections of each window are recorded in full; the rest only counted
 * (metrics count every one), and the next recorded line says how many were left out.
 */
export class RejectionSampler {
  private windowStartedAt = -Infinity;
  private admitted = 0;
  private suppressed = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether to record this rejection, and how many went unrecorded since the last one that was. */
  admit(): { record: boolean; suppressedBefore: number } {
    const now = this.now();
    if (now - this.windowStartedAt >= this.windowMs) {
      this.windowStartedAt = now;
      this.admitted = 0;
    }
    if (this.admitted >= this.limit) {
      this.suppressed += 1;
      return { record: false, suppressedBefore: 0 };
    }
    this.admitted += 1;
    const suppressedBefore = this.suppressed;
    this.suppressed = 0;
    return { record: true, suppressedBefore };
  }
}
