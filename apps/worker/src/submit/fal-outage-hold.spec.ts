import { planOutageWait } from './fal-outage-hold';

describe('planOutageWait', () => {
  const created = Date.UTC(2026, 0, 1);
  const deadlineMs = 30 * 60_000;

  it("holds the job until the breaker's retry time, plus jitter up to a second", () => {
    const now = created + 60_000;
    expect(planOutageWait(created, now, 30_000, deadlineMs, 0)).toEqual({
      kind: 'delay',
      until: now + 30_000,
    });
    expect(planOutageWait(created, now, 30_000, deadlineMs, 0.999)).toEqual({
      kind: 'delay',
      until: now + 30_000 + 999,
    });
  });

  it('keeps the jitter small against a short wait (a quarter of it)', () => {
    const now = created + 1000;
    expect(planOutageWait(created, now, 400, deadlineMs, 0.5)).toEqual({
      kind: 'delay',
      until: now + 400 + 50,
    });
  });

  it('never holds past the deadline, so the job wakes to give up on time', () => {
    const now = created + deadlineMs - 10_000;
    expect(planOutageWait(created, now, 300_000, deadlineMs, 0.5)).toEqual({
      kind: 'delay',
      until: created + deadlineMs,
    });
  });

  it('gives up at and past the deadline, measured from the create', () => {
    expect(planOutageWait(created, created + deadlineMs, 1000, deadlineMs, 0)).toEqual({
      kind: 'give-up',
    });
    expect(planOutageWait(created, created + deadlineMs + 1, 1000, deadlineMs, 0)).toEqual({
      kind: 'give-up',
    });
  });
});
