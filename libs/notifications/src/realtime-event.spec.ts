import {
  InfographUpdatedEvent,
  parseRealtimeEvent,
  realtimeChannel,
  serializeRealtimeEvent,
  toClientMessage,
} from './realtime-event';

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

describe('realtime events', () => {
  it('namespaces the channel with the Redis prefix', () => {
    expect(realtimeChannel('ainfographic')).toBe('ainfographic:events');
  });

  it('round-trips through the channel format', () => {
    expect(parseRealtimeEvent(serializeRealtimeEvent(event))).toEqual(event);
  });

  it('sends clients the event without userId', () => {
    const message = JSON.parse(toClientMessage(event));
    expect(message).toEqual({ type: 'infograph.updated', infograph: event.infograph });
    expect(message).not.toHaveProperty('userId');
  });

  it('keeps only known fields', () => {
    const raw = JSON.stringify({ ...event, extra: 1, infograph: { ...event.infograph, x: 2 } });
    expect(parseRealtimeEvent(raw)).toEqual(event);
  });

  it.each([
    ['not JSON', '{'],
    ['an array', '[]'],
    ['another type', JSON.stringify({ ...event, type: 'other' })],
    ['no user', JSON.stringify({ ...event, userId: '' })],
    ['no infograph', JSON.stringify({ ...event, infograph: null })],
    ['a bad status', JSON.stringify({ ...event, infograph: { ...event.infograph, status: 'x' } })],
    [
      'a bad image_url',
      JSON.stringify({ ...event, infograph: { ...event.infograph, image_url: 1 } }),
    ],
  ])('rejects %s', (_name, raw) => {
    expect(parseRealtimeEvent(raw)).toBeNull();
  });
});
