import { MAX_BUFFERED_BYTES, RegistrySocket, SocketOwner, SocketRegistry } from './socket-registry';

/** A socket's owner: user `userId`, authenticated with token `tokenId` (hash `h-<tokenId>`). */
const owner = (userId: string, tokenId = `${userId}-t`): SocketOwner => ({
  userId,
  tokenId,
  tokenHash: `h-${tokenId}`,
});

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
    registry.add(a1, owner('a'));
    registry.add(a2, owner('a'));
    registry.add(closing, owner('a'));
    registry.add(b, owner('b'));

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
    registry.add(s, owner('a'));
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
    registry.add(silent, owner('a'));
    registry.add(answering, owner('a'));

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
    registry.add(slow, owner('a'));
    expect(registry.sendToUser('a', 'x')).toBe(0);
    expect(slow.terminated).toBe(true);
    expect(registry.size).toBe(0);
  });

  it('closes every socket with the given code', () => {
    const registry = new SocketRegistry<FakeSocket>();
    const s1 = new FakeSocket();
    const s2 = new FakeSocket();
    registry.add(s1, owner('a'));
    registry.add(s2, owner('b'));
    expect(registry.closeAll(1001, 'bye')).toHaveLength(2);
    expect(s1.closedWith).toEqual({ code: 1001, reason: 'bye' });
    expect(s2.closedWith).toEqual({ code: 1001, reason: 'bye' });
  });

  it('closes the sockets of one token and forgets them at once', () => {
    const registry = new SocketRegistry<FakeSocket>();
    const revoked1 = new FakeSocket();
    const revoked2 = new FakeSocket();
    const sameUserOtherToken = new FakeSocket();
    const otherUser = new FakeSocket();
    registry.add(revoked1, owner('a', 't1'));
    registry.add(revoked2, owner('a', 't1'));
    registry.add(sameUserOtherToken, owner('a', 't2'));
    registry.add(otherUser, owner('b', 't3'));

    const closed = registry.closeWhere((o) => o.tokenHash === 'h-t1', 4401, 'token revoked');
    expect(closed).toEqual([revoked1, revoked2]);
    expect(revoked1.closedWith).toEqual({ code: 4401, reason: 'token revoked' });
    expect(revoked2.closedWith).toEqual({ code: 4401, reason: 'token revoked' });
    expect(sameUserOtherToken.closedWith).toBeUndefined();
    expect(otherUser.closedWith).toBeUndefined();
    // Forgotten before their close handshakes end: no more events, and they no longer count.
    expect(registry.countFor('a')).toBe(1);
    expect(registry.sendToUser('a', 'x')).toBe(1);
    expect(registry.closeWhere((o) => o.tokenId === 't1', 4401, 'again')).toEqual([]);
  });

  it('lists the tokens its sockets were opened with, once each', () => {
    const registry = new SocketRegistry<FakeSocket>();
    registry.add(new FakeSocket(), owner('a', 't1'));
    registry.add(new FakeSocket(), owner('a', 't1'));
    registry.add(new FakeSocket(), owner('b', 't2'));
    expect(registry.tokenIds().sort()).toEqual(['t1', 't2']);
  });
});
