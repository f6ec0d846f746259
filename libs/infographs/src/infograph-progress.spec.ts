import { elapsedMs, stageOf } from './infograph-progress';

describe('infograph progress', () => {
  const fal = { falRequestId: 'req-1', falImageUrl: null };

  it.each([
    [
      'pending, not yet at fal',
      { status: 'pending', falRequestId: null, falImageUrl: null },
      'queued',
    ],
    ['processing at fal', { status: 'processing', ...fal }, 'generating'],
    // fal's webhook may claim a pending row with its request id before the worker saves it.
    ['pending with a request id', { status: 'pending', ...fal }, 'generating'],
    [
      "processing with fal's image recorded",
      { status: 'processing', falRequestId: 'req-1', falImageUrl: 'https://v3.fal.media/x.png' },
      'uploading',
    ],
    ['completed', { status: 'completed', falRequestId: 'req-1', falImageUrl: 'x' }, 'completed'],
    ['failed', { status: 'failed', falRequestId: null, falImageUrl: null }, 'failed'],
  ] as const)('%s → %s', (_label, row, stage) => {
    expect(stageOf(row)).toBe(stage);
  });

  it('counts from the create: to now while unfinished, to the end once finished', () => {
    const createdAt = new Date('2026-01-01T00:00:00Z');
    const updatedAt = new Date('2026-01-01T00:00:40Z');
    const now = createdAt.getTime() + 90_000;
    const row = { createdAt, updatedAt, completedAt: null };
    expect(elapsedMs({ ...row, status: 'processing' }, now)).toBe(90_000);
    expect(elapsedMs({ ...row, status: 'failed' }, now)).toBe(40_000);
    expect(
      elapsedMs(
        { ...row, status: 'completed', completedAt: new Date('2026-01-01T00:00:30Z') },
        now,
      ),
    ).toBe(30_000);
    // A clock a little behind the database's never shows a negative time.
    expect(elapsedMs({ ...row, status: 'pending' }, createdAt.getTime() - 5)).toBe(0);
  });
});
