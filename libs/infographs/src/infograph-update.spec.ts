import { Infograph } from '@app/database';

import {
  InfographUpdatedEvent,
  infographUpdatedEvent,
  readInfographUpdatedEvent,
  toInfographUpdate,
} from './infograph-update';

const event: InfographUpdatedEvent = {
  type: 'infograph.updated',
  userId: 'user-1',
  infograph: {
    id: 'ig-1',
    status: 'completed',
    image_url: 'https://cdn.example.com/infographs/ig-1.png',
    error_message: null,
    error_code: null,
    updated_at: '2025-01-01T00:00:00.000Z',
    stage: 'completed',
    started_at: '2024-12-31T23:59:30.000Z',
    elapsed_ms: 25_000,
  },
};

describe('infograph updates', () => {
  it('maps a row to the fields clients read, in their wire order', () => {
    const row = Object.assign(new Infograph(), {
      id: 'ig-1',
      userId: 'user-1',
      status: 'completed',
      imageUrl: 'https://cdn.example.com/infographs/ig-1.png',
      errorMessage: null,
      errorCode: null,
      updatedAt: new Date('2025-01-01T00:00:00.000Z'),
      falRequestId: 'req-1',
      falImageUrl: 'https://v3.fal.media/files/x.png',
      createdAt: new Date('2024-12-31T23:59:30.000Z'),
      completedAt: new Date('2024-12-31T23:59:55.000Z'),
    });
    expect(JSON.stringify(toInfographUpdate(row))).toBe(JSON.stringify(event.infograph));
    expect(JSON.stringify(infographUpdatedEvent(row))).toBe(JSON.stringify(event));
  });

  it('says the stage and the time so far of an unfinished one', () => {
    const row = Object.assign(new Infograph(), {
      id: 'ig-2',
      status: 'processing',
      imageUrl: null,
      errorMessage: null,
      errorCode: null,
      falRequestId: 'req-2',
      falImageUrl: null,
      createdAt: new Date('2025-01-01T00:00:00.000Z'),
      updatedAt: new Date('2025-01-01T00:00:05.000Z'),
      completedAt: null,
    });
    const now = Date.parse('2025-01-01T00:01:00.000Z');
    expect(toInfographUpdate(row, now)).toMatchObject({
      stage: 'generating',
      started_at: '2025-01-01T00:00:00.000Z',
      elapsed_ms: 60_000,
    });
  });

  it('reads back what was published', () => {
    expect(readInfographUpdatedEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
  });

  it('carries the error code of a failed one', () => {
    const failed = {
      ...event,
      infograph: { ...event.infograph, status: 'failed', error_code: 'cancelled' },
    };
    expect(readInfographUpdatedEvent(JSON.parse(JSON.stringify(failed)))).toEqual(failed);
  });

  it('reads an event from a publisher older than error_code as having none', () => {
    const { error_code: _absent, ...older } = event.infograph;
    expect(readInfographUpdatedEvent({ ...event, infograph: older })).toEqual(event);
  });

  it('reads an event from a publisher older than the progress fields by its status', () => {
    const { stage: _s, started_at: _a, elapsed_ms: _e, ...older } = event.infograph;
    expect(readInfographUpdatedEvent({ ...event, infograph: older })?.infograph).toMatchObject({
      stage: 'completed',
      started_at: null,
      elapsed_ms: null,
    });
    const processing = { ...older, status: 'processing', image_url: null };
    expect(readInfographUpdatedEvent({ ...event, infograph: processing })?.infograph.stage).toBe(
      'generating',
    );
  });

  it('keeps only known fields', () => {
    const extra = { ...event, extra: 1, infograph: { ...event.infograph, x: 2 } };
    expect(readInfographUpdatedEvent(extra)).toEqual(event);
  });

  it.each([
    ['not an object', 'x'],
    ['an array', []],
    ['another type', { ...event, type: 'other' }],
    ['no user', { ...event, userId: '' }],
    ['no infograph', { ...event, infograph: null }],
    ['a bad status', { ...event, infograph: { ...event.infograph, status: 'x' } }],
    ['a bad image_url', { ...event, infograph: { ...event.infograph, image_url: 1 } }],
    ['an unknown error_code', { ...event, infograph: { ...event.infograph, error_code: 'x' } }],
    ['no updated_at', { ...event, infograph: { ...event.infograph, updated_at: undefined } }],
    ['an unknown stage', { ...event, infograph: { ...event.infograph, stage: 'x' } }],
    ['a negative elapsed_ms', { ...event, infograph: { ...event.infograph, elapsed_ms: -1 } }],
  ])('rejects %s', (_name, value) => {
    expect(readInfographUpdatedEvent(value)).toBeNull();
  });
});
