import { MAX_BUFFERED_BYTES, RegistrySocket, SocketRegistry } from './socket-registry';

class FakeSocket implements RegistrySocket {
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  pings = 0;
  terminated = false;
  closedWith?: { code?: number; reason?: string };

  send(data: string): void {
    this.sent.push(data);
  }
  ping(): void {
    this.pings += 1;
  }
  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
  }
  terminate(): void {
    this.terminated = true;
  }
}

describe('SocketRegistry', () => {
  it("sends only to the user's own open sockets", () => {
    const registry = new SocketRegistry<FakeSocket>();
    const a1 = new FakeSocket();
    const a2 = new FakeSocket();
    const closing = new FakeSocket();
    closing.readyState = 2;
    const b = new FakeSocket();
    registry.add('a', a1);
    registry.add('a', a2);
    registry.add('a', closing);
    registry.add('b', b);

    expect(registry.sendToUser('a', 'hi')).toBe(2);
    expect(a1.sent).toEqual(['hi']);
    expect(a2.sent).toEqual(['hi']);
    expect(closing.sent).toEqual([]);
    expect(b.sent).toEqual([]);
    expect(registry.sendToUser('nobody', 'hi')).toBe(0);
  });

  it('forgets removed sockets and empty users', () => {
    const registry = new SocketRegistry<FakeSocket>();
    const s = new FakeSocket();
    registry.add('a', s);
    registry.remove(s);
    registry.remove(s);
    expect(registry.size).toBe(0);
    expect(registry.countFor('a')).toBe(0);
    expect(registry.sendToUser('a', 'x')).toBe(0);
  });

  it('drops a socket that missed a ping, and keeps one that answered', () => {
    const registry = new SocketRegistry<FakeSocket>();
    const silent = new FakeSocket();
    const answering = new FakeSocket();
    registry.add('a', silent);
    registry.add('a', answering);

    expect(registry.heartbeat()).toBe(0);
    expect(silent.pings).toBe(1);
    expect(answering.pings).toBe(1);
    registry.markAlive(answering);

    expect(registry.heartbeat()).toBe(1);
    expect(silent.terminated).toBe(true);
    expect(answering.terminated).toBe(false);
    expect(answering.pings).toBe(2);
    expect(registry.countFor('a')).toBe(1);
  });

  it('drops a client that does not read its messages', () => {
    const registry = new SocketRegistry<FakeSocket>();
    const slow = new FakeSocket();
    slow.bufferedAmount = MAX_BUFFERED_BYTES + 1;
    registry.add('a', slow);
    expect(registry.sendToUser('a', 'x')).toBe(0);
    expect(slow.terminated).toBe(true);
    expect(registry.size).toBe(0);
  });

  it('closes every socket with the given code', () => {
    const registry = new SocketRegistry<FakeSocket>();
    const s1 = new FakeSocket();
    const s2 = new FakeSocket();
    registry.add('a', s1);
    registry.add('b', s2);
    expect(registry.closeAll(1001, 'bye')).toHaveLength(2);
    expect(s1.closedWith).toEqual({ code: 1001, reason: 'bye' });
    expect(s2.closedWith).toEqual({ code: 1001, reason: 'bye' });
  });
});
