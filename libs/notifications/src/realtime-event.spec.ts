import {
  RealtimeEvent,
  compareEventIds,
  isEventId,
  parsePublishedEvent,
  parseRealtimeEvent,
  realtimeStreamKey,
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

  it('sends clients the event without userId, with its id first', () => {
    const message = JSON.stringify(toClientMessage(event, '1700000000000-3'));
    expect(message).toBe(
      '{"id":"1700000000000-3","type":"infograph.updated","infograph":{"id":"ig-1","status":"completed"}}',
    );
    expect(JSON.parse(message)).not.toHaveProperty('userId');
  });

  it("keeps each user's events in a stream under the prefix", () => {
    expect(realtimeStreamKey('ainfographic', 'u-1')).toBe('ainfographic:events:u-1');
  });

  it('reads what the publish script sends: the id and the event', () => {
    const raw = `{"id":"12-0","event":${serializeRealtimeEvent(event)}}`;
    expect(parsePublishedEvent(raw)).toEqual({ id: '12-0', event });
    expect(parsePublishedEvent(serializeRealtimeEvent(event))).toBeNull();
    expect(parsePublishedEvent('{"id":"x","event":{"type":"a","userId":"u"}}')).toBeNull();
  });

  it('orders event ids numerically (ms, then sequence)', () => {
    expect(compareEventIds('999-0', '1000-0')).toBeLessThan(0);
    expect(compareEventIds('1000-10', '1000-9')).toBeGreaterThan(0);
    expect(compareEventIds('5-5', '5-5')).toBe(0);
    expect(isEventId('1700000000000-0')).toBe(true);
    expect(isEventId('1700000000000')).toBe(false);
    expect(isEventId('1-2-3')).toBe(false);
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
