import { RequestStore, SimRequest } from './request-store';

let clock = 0;
const aRequest = (id: string): SimRequest =>
  ({ id, state: 'IN_QUEUE', createdAt: ++clock, timers: [] }) as unknown as SimRequest;

describe('RequestStore', () => {
  it('gives each queued request the number queued ahead of it', () => {
    const store = new RequestStore(100);
    const [a, b, c] = ['a', 'b', 'c'].map(aRequest);
    [a, b, c].forEach((r) => store.add(r));
    expect([a, b, c].map((r) => store.queuePosition(r))).toEqual([0, 1, 2]);

    store.setState(a, 'IN_PROGRESS');
    expect(a.state).toBe('IN_PROGRESS');
    expect([b, c].map((r) => store.queuePosition(r))).toEqual([0, 1]);
    store.setState(b, 'COMPLETED');
    expect(store.queuePosition(c)).toBe(0);
  });

  it('evicts the oldest request with its files past its size', () => {
    const store = new RequestStore(2);
    const [a, b, c] = ['a', 'b', 'c'].map(aRequest);
    store.add(a);
    store.putFile('a.png', 'a', Buffer.from('a'));
    store.add(b);
    store.putFile('b.png', 'b', Buffer.from('b'));
    store.add(c);

    expect(store.get('a')).toBeUndefined();
    expect(store.getFile('a.png')).toBeUndefined();
    expect(store.getFile('b.png')?.toString()).toBe('b');
    // An evicted request is no longer ahead of anyone.
    expect(store.queuePosition(c)).toBe(1);
  });
});
