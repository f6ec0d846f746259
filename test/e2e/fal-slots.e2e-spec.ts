// The fair pick and the leases of FalCapacity (libs/pipeline/src/fal-capacity), against the real
// Redis script: who gets a free fal slot, in what order, and that a slot nobody gives back expires.
import { randomUUID } from 'node:crypto';

import type { AppConfig } from '@app/config';
import { FalCapacity } from '@app/pipeline';
import type { JobProducer } from '@app/queues';
import IORedis from 'ioredis';

import { waitFor } from '../support/wait-for';

const BASE = new Date('2026-01-01T00:00:00Z').getTime();

describe('fal slots: fair order and leases', () => {
  const redis = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
    lazyConnect: false,
  });
  afterAll(() => redis.quit());

  /** A FalCapacity on its own keys; `woken` lists the submit jobs the pick granted a slot. */
  function slots(settings: { max: number; perUser?: number; leaseMs?: number }) {
    const woken: string[] = [];
    const producer = {
      wake: (_queue: string, data: { infographId: string }) => {
        woken.push(data.infographId);
        return Promise.resolve();
      },
    } as unknown as JobProducer;
    const config = {
      redis: { prefix: `${process.env.QUEUE_PREFIX ?? 'test'}-slots-${randomUUID()}` },
      falCapacity: {
        maxInFlight: settings.max,
        maxInFlightPerUser: settings.perUser ?? 0,
        interactiveMaxBatch: 4,
        leaseMs: settings.leaseMs ?? 60_000,
      },
    } as unknown as AppConfig;
    const capacity = new FalCapacity(redis, config, producer);
    let n = 0;
    const admit = (user: string, options: { bulk?: boolean; id?: string } = {}) => {
      const infographId = options.id ?? `${user}-${String(n).padStart(3, '0')}`;
      n += 1;
      return capacity
        .admit({
          infographId,
          userId: user,
          createdAt: new Date(BASE + n),
          bulk: options.bulk ?? false,
        })
        .then((granted) => ({ infographId, granted }));
    };
    return { capacity, woken, admit };
  }

  it('gives the next free slot to a light user, not to the heavy backlog', async () => {
    const { capacity, woken, admit } = slots({ max: 2 });
    const heavy = [];
    for (let i = 0; i < 10; i++) {
      heavy.push(await admit('heavy', { bulk: true }));
    }
    expect(heavy.map((h) => h.granted)).toEqual([true, true, ...Array(8).fill(false)]);
    const light = await admit('light');
    expect(light.granted).toBe(false);

    await capacity.release(heavy[0].infographId);
    expect(woken).toEqual([light.infographId]);
    expect(await capacity.holders()).toEqual(
      expect.arrayContaining([heavy[1].infographId, light.infographId]),
    );
    // Its own next one only when nobody else waits.
    await capacity.release(light.infographId);
    expect(woken).toEqual([light.infographId, heavy[2].infographId]);
  });

  it('serves users with waiting work round robin, least in flight first', async () => {
    const { capacity, woken, admit } = slots({ max: 2 });
    const byUser: Record<string, string[]> = { a: [], b: [], c: [] };
    for (const user of ['a', 'a', 'a', 'b', 'b', 'b', 'c', 'c', 'c']) {
      byUser[user].push((await admit(user)).infographId);
    }
    // a took both free slots on arrival (two turns); from then on each freed slot goes to the user
    // with the fewest in flight, ties to the one served longest ago: b and c catch up first.
    // Released in the order granted, as fal finishes them (not by lease expiry: two grants in
    // one millisecond expire together).
    const order: string[] = [];
    const granted = [byUser.a[0], byUser.a[1]];
    expect([...(await capacity.holders())].sort()).toEqual([...granted].sort());
    for (let i = 0; i < 7; i++) {
      await capacity.release(granted.shift()!);
      const next = woken[woken.length - 1];
      order.push(next[0]);
      granted.push(next);
    }
    expect(order).toEqual(['b', 'c', 'a', 'b', 'c', 'b', 'c']);
  });

  it('serves interactive creates before bulk ones, and keeps a user under the per-user cap', async () => {
    const { capacity, woken, admit } = slots({ max: 2, perUser: 1 });
    const bulkFirst = await admit('bulk', { bulk: true });
    const bulkSecond = await admit('bulk', { bulk: true });
    expect([bulkFirst.granted, bulkSecond.granted]).toEqual([true, false]); // the cap: 1 each
    const other = await admit('other', { bulk: true });
    expect(other.granted).toBe(true);
    const small = await admit('small');
    expect(small.granted).toBe(false);
    await capacity.release(other.infographId);
    // `bulk` holds its cap; of the rest, the interactive create goes first.
    expect(woken).toEqual([small.infographId]);
    await capacity.release(bulkFirst.infographId);
    expect(woken).toEqual([small.infographId, bulkSecond.infographId]);
  });

  it('drops a lease nobody renews or releases (a killed worker), and hands the slot on', async () => {
    const { capacity, woken, admit } = slots({ max: 1, leaseMs: 300 });
    const abandoned = await admit('crashed');
    expect(abandoned.granted).toBe(true);
    const next = await admit('waiting');
    expect(next.granted).toBe(false);
    // The holder never comes back; the reconciler's pass (pump) finds the lease expired.
    await waitFor(
      async () => {
        await capacity.pump();
        return woken;
      },
      (w) => w.includes(next.infographId),
      { describe: 'the abandoned slot to be handed on', timeoutMs: 5000 },
    );
    expect(await capacity.holders()).toEqual([next.infographId]);
  });

  it('reports where an infograph waits', async () => {
    const { capacity, admit } = slots({ max: 1 });
    const first = await admit('a');
    const a2 = await admit('a');
    const a3 = await admit('a');
    const b1 = await admit('b');
    expect(await capacity.position(first.infographId)).toEqual({
      atFal: true,
      ahead: 0,
      inFlight: 1,
    });
    expect((await capacity.position(b1.infographId))?.ahead).toBe(1); // a2 may go first
    expect((await capacity.position(a2.infographId))?.ahead).toBe(1);
    expect((await capacity.position(a3.infographId))?.ahead).toBe(2);
  });

  it('renews only a lease still held, and a repeated release is harmless', async () => {
    const { capacity, admit } = slots({ max: 1 });
    // Granted and renewed in the same millisecond (as on a fast machine): still held.
    const now = jest.spyOn(Date, 'now').mockReturnValue(Date.now());
    const held = await admit('a');
    expect(await capacity.renew(held.infographId)).toBe(true);
    now.mockRestore();
    await capacity.release(held.infographId);
    await capacity.release(held.infographId);
    expect(await capacity.renew(held.infographId)).toBe(false);
    expect(await capacity.holders()).toEqual([]);
  });
});
