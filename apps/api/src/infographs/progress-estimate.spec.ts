import { estimateProgress } from './progress-estimate';

const now = Date.parse('2026-01-01T00:01:00Z');
const base = {
  medianMs: 20_000,
  maxInFlight: 4,
  now,
  submittedAt: null,
  falQueuePosition: null,
  position: null,
};

describe('estimateProgress', () => {
  it('counts down the median generation once fal has it', () => {
    const submittedAt = new Date(now - 5_000);
    expect(estimateProgress({ ...base, stage: 'generating', submittedAt })).toEqual({
      queue_position: 0,
      fal_queue_position: null,
      eta_ms: 15_000,
    });
    // Past the median: "almost done", never negative.
    const long = new Date(now - 60_000);
    expect(estimateProgress({ ...base, stage: 'generating', submittedAt: long }).eta_ms).toBe(0);
  });

  it("waits behind what fal says is ahead in its own queue, at the limit's pace", () => {
    const submittedAt = new Date(now - 5_000);
    // 6 ahead at fal, started 4 at a time: 1.5 generations, then its own, less the 5 s gone.
    expect(
      estimateProgress({ ...base, stage: 'generating', submittedAt, falQueuePosition: 6 }),
    ).toEqual({ queue_position: 0, fal_queue_position: 6, eta_ms: 45_000 });
    // Started at fal: none ahead, its own generation only.
    expect(
      estimateProgress({ ...base, stage: 'generating', submittedAt, falQueuePosition: 0 }).eta_ms,
    ).toBe(15_000);
    // Without a limit fal's pace is not known: no guess.
    expect(
      estimateProgress({
        ...base,
        stage: 'generating',
        submittedAt,
        falQueuePosition: 6,
        maxInFlight: 0,
      }),
    ).toEqual({ queue_position: 0, fal_queue_position: 6, eta_ms: null });
  });

  it('adds a share of a generation per infograph ahead when every slot is taken', () => {
    const position = { atFal: false, ahead: 7, inFlight: 4 };
    // 8 to go through 4 slots: two generations' wait, then its own.
    expect(estimateProgress({ ...base, stage: 'queued', position })).toEqual({
      queue_position: 7,
      fal_queue_position: null,
      eta_ms: 60_000,
    });
  });

  it('waits for nothing while a slot is free', () => {
    const position = { atFal: false, ahead: 0, inFlight: 2 };
    expect(estimateProgress({ ...base, stage: 'queued', position }).eta_ms).toBe(20_000);
  });

  it('knows no position without a limit, and nothing once finished', () => {
    expect(estimateProgress({ ...base, stage: 'queued', maxInFlight: 0 })).toEqual({
      queue_position: null,
      fal_queue_position: null,
      eta_ms: 20_000,
    });
    expect(estimateProgress({ ...base, stage: 'completed' })).toEqual({
      queue_position: null,
      fal_queue_position: null,
      eta_ms: null,
    });
    expect(estimateProgress({ ...base, stage: 'uploading' }).queue_position).toBeNull();
  });
});
