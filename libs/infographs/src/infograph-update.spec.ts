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
    updated_at: '2025-01-01T00:00:00.000Z',
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
      updatedAt: new Date('2025-01-01T00:00:00.000Z'),
    });
    expect(JSON.stringify(toInfographUpdate(row))).toBe(JSON.stringify(event.infograph));
    expect(JSON.stringify(infographUpdatedEvent(row))).toBe(JSON.stringify(event));
  });

  it('reads back what was published', () => {
    expect(readInfographUpdatedEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
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
    ['no updated_at', { ...event, infograph: { ...event.infograph, updated_at: undefined } }],
  ])('rejects %s', (_name, value) => {
    expect(readInfographUpdatedEvent(value)).toBeNull();
  });
});
