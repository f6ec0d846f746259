import {
  RealtimeEvent,
  parseRealtimeEvent,
  realtimeChannel,
  serializeRealtimeEvent,
  toClientMessage,
} from './realtime-event';

const event: RealtimeEvent & { infograph: object } = {
  type: 'infograph.updated',
  userId: 'user-1',
  infograph: { id: 'ig-1', status: 'completed' },
};

describe('realtime events', () => {
  it('namespaces the channel with the Redis prefix', () => {
    expect(realtimeChannel('ainfographic')).toBe('ainfographic:events');
  });

  it('round-trips through the channel format, whatever the event holds', () => {
    expect(parseRealtimeEvent(serializeRealtimeEvent(event))).toEqual(event);
  });

  it('sends clients the event without userId, in its order', () => {
    const message = toClientMessage(event);
    expect(message).toBe(
      '{"type":"infograph.updated","infograph":{"id":"ig-1","status":"completed"}}',
    );
    expect(JSON.parse(message)).not.toHaveProperty('userId');
  });

  it.each([
    ['not JSON', '{'],
    ['an array', '[]'],
    ['null', 'null'],
    ['no type', JSON.stringify({ ...event, type: '' })],
    ['no user', JSON.stringify({ ...event, userId: '' })],
    ['a user that is not a string', JSON.stringify({ ...event, userId: 1 })],
  ])('rejects %s', (_name, raw) => {
    expect(parseRealtimeEvent(raw)).toBeNull();
  });
});
