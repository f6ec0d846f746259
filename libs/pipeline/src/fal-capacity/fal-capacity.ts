import { createHash } from 'node:crypto';

import { AppConfig } from '@app/config';
import { REDIS } from '@app/redis';
import { JobProducer } from '@app/queues';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type IORedis from 'ioredis';

import { FAL_SLOTS_SCRIPT } from './fal-slots-script';

/** What the fair pick needs to know of an infograph asking for a slot. */
export interface SlotRequest {
  infographId: string;
  userId: string;
  createdAt: Date;
  /** Bulk creates (more than FAL_INTERACTIVE_MAX_BATCH) wait behind interactive ones. */
  bulk: boolean;
}

/** Where an infograph waits: `ahead` of it in our queue (0 at fal), and the slots in use. */
export interface SlotPosition {
  atFal: boolean;
  ahead: number | null;
  inFlight: number;
}

const SCRIPT_SHA = createHash('sha1').update(FAL_SLOTS_SCRIPT).digest('hex');

/** Above any created-at in ms: a bulk infograph's score sorts after every interactive one. */
const BULK_CLASS = 1e13;

/**
 * fal's per-account concurrency, shared fairly: at most FAL_MAX_IN_FLIGHT requests at fal at once
 * across every process, the rest waiting in our own queue (fal's is one FIFO per account, so a
 * backlog there makes everyone wait behind it). A submit asks for a slot (`admit`); every path
 * that ends a request at fal gives it back (`release`), and whoever frees or finds a free slot
 * wakes the submit jobs the fair pick granted it to. See fal-slots-script.ts for the pick; with the
 * limit at 0 every call answers at once without Redis.
 *
 * Why Redis and not a Postgres `FOR UPDATE SKIP LOCKED` dispatcher: the slots must be leases that
 * expire by themselves (a crashed worker cannot leak one), the pick is a round robin across users
 * that a single script does atomically in well under a millisecond, and BullMQ already runs on
 * this Redis; the database stays the truth for each infograph's status, and the reconciler
 * repairs the two against each other (`tend`). BullMQ's own fairness (groups) is a Pro feature.
 */
@Injectable()
export class FalCapacity {
  private readonly logger = new Logger('FalCapacity');
  private readonly keys: string[];
  private readonly queuePrefix: string;

  constructor(
    @Inject(REDIS) private readonly redis: IORedis,
    private readonly config: AppConfig,
    private readonly producer: JobProducer,
  ) {
    const base = `${config.redis.prefix}:fal-slots`;
    this.keys = ['leases', 'owner', 'inflight', 'users', 'seq', 'turns'].map((k) => `${base}:${k}`);
    this.queuePrefix = `${base}:queue:`;
  }

  get limited(): boolean {
    return this.config.falCapacity.maxInFlight > 0;
  }

  /**
   * True when this infograph holds a slot (now or already: its lease is renewed). Otherwise it is
   * in the fair queue, and its submit job is woken when the pick grants it one.
   */
  async admit(request: SlotRequest): Promise<boolean> {
    if (!this.limited) {
      return true;
    }
    const score = request.createdAt.getTime() + (request.bulk ? BULK_CLASS : 0);
    const [mine] = await this.run('admit', request.infographId, request.userId, score);
    return mine === 1;
  }

  /**
   * The request is over at fal (a result, a failure, a cancel, a timeout) or never got there:
   * its slot (or its place in the queue) goes, and the next infographs in fair order are woken.
   * Safe to repeat and best effort: a slot not given back here expires (FAL_SLOT_LEASE_MS).
   */
  async release(infographId: string): Promise<void> {
    if (!this.limited) {
      return;
    }
    try {
      await this.run('release', infographId);
    } catch (error) {
      this.logger.warn(
        `infographId=${infographId} could not release its fal slot (it expires by itself): ${(error as Error).message}`,
      );
    }
  }

  /** Drops expired leases and hands free slots out (the reconciler's pass, after a crash). */
  async pump(): Promise<void> {
    if (this.limited) {
      await this.run('pump', '');
    }
  }

  /** Keeps the slot of a request still at fal; false if it holds none (it expired). */
  async renew(infographId: string): Promise<boolean> {
    return Number(await this.script(this.args('renew', infographId))) === 1;
  }

  /** Whether this infograph holds a slot (an unexpired lease). */
  async holds(infographId: string): Promise<boolean> {
    if (!this.limited) {
      return true;
    }
    const expiry = await this.redis.zscore(this.keys[0], infographId);
    return expiry !== null && Number(expiry) > Date.now();
  }

  /** The infograph ids holding a slot now, expired leases included until the next call. */
  async holders(): Promise<string[]> {
    return this.limited ? this.redis.zrange(this.keys[0], 0, -1) : [];
  }

  /** Where an infograph waits; null without a limit. */
  async position(infographId: string): Promise<SlotPosition | null> {
    if (!this.limited) {
      return null;
    }
    const [ahead, inFlight] = (await this.script(this.args('position', infographId))) as [
      number,
      number,
    ];
    return { atFal: ahead === 0 && inFlight > 0, ahead: ahead < 0 ? null : ahead, inFlight };
  }

  private async run(
    op: 'admit' | 'release' | 'pump',
    infographId: string,
    userId = '',
    score = 0,
  ): Promise<[number, ...string[]]> {
    const answer = (await this.script(this.args(op, infographId, userId, score))) as [
      number,
      ...string[],
    ];
    const granted = answer.slice(1) as string[];
    // Their submit jobs wait delayed; each runs now and finds its lease. A wake that fails costs
    // at most the job's own re-check delay.
    await Promise.all(
      granted.map((id) =>
        this.producer.wake('submit', { infographId: id }).catch((error: Error) => {
          this.logger.warn(`infographId=${id} granted a fal slot, wake failed: ${error.message}`);
        }),
      ),
    );
    return answer;
  }

  /**
   * The script by its SHA, sent in full only when Redis does not have it (after a restart). By
   * hand rather than ioredis' defineCommand: that one's NOSCRIPT fallback breaks inside the shared
   * client's auto-pipelining ("results[i] is not iterable", which crashes the process).
   */
  private async script(args: (string | number)[]): Promise<unknown> {
    const keys = this.keys.length;
    try {
      return await this.redis.evalsha(SCRIPT_SHA, keys, ...this.keys, ...args);
    } catch (error) {
      if (!(error as Error).message?.startsWith('NOSCRIPT')) {
        throw error;
      }
      return this.redis.eval(FAL_SLOTS_SCRIPT, keys, ...this.keys, ...args);
    }
  }

  private args(op: string, infographId: string, userId = '', score = 0): (string | number)[] {
    const { maxInFlight, maxInFlightPerUser, leaseMs } = this.config.falCapacity;
    return [
      this.queuePrefix,
      Date.now(),
      leaseMs,
      maxInFlight,
      maxInFlightPerUser,
      op,
      infographId,
      userId,
      score,
    ];
  }
}
