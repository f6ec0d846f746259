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

  it('counts the requests holding a concurrency slot and hands out the oldest queued', () => {
    const store = new RequestStore(100);
    const [a, b, c] = ['a', 'b', 'c'].map(aRequest);
    [a, b, c].forEach((r) => store.add(r));
    expect(store.nextQueued()).toBe(a);
    store.setState(a, 'IN_PROGRESS');
    store.setState(b, 'IN_PROGRESS');
    expect([store.runningCount(), store.nextQueued()]).toEqual([2, c]);
    store.releaseSlot(b);
    store.setState(a, 'COMPLETED');
    expect(store.runningCount()).toBe(0);
    store.setState(c, 'CANCELLED');
    expect(store.nextQueued()).toBeUndefined();
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
