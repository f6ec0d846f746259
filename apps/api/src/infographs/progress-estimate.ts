import type { Infograph } from '@app/database';
import { etaAtFalMs, GenerationTimesService, stageOf } from '@app/infographs';
import { FalCapacity, type SlotPosition } from '@app/pipeline';
import { AppConfig } from '@app/config';
import { Injectable } from '@nestjs/common';

/** Where an unfinished infograph waits and about how long it has left; nulls when not known. */
export interface ProgressEstimate {
  /** Infographs ahead of it in our queue for fal; 0 once at fal. */
  queue_position: number | null;
  /** Requests ahead of it in fal's own queue, as fal last said; null before fal has it. */
  fal_queue_position: number | null;
  /** About how long until its image is ready, ms. */
  eta_ms: number | null;
}

const UNKNOWN: ProgressEstimate = { queue_position: null, fal_queue_position: null, eta_ms: null };

/**
 * The arithmetic, apart from where its inputs come from. At fal: see etaAtFalMs. Waiting for a
 * slot with `ahead` before it: slots free at about `maxInFlight` per median generation, so its
 * turn comes after (ahead + 1) / maxInFlight of one (none while a slot is free), then its own
 * generation.
 */
export function estimateProgress(input: {
  stage: ReturnType<typeof stageOf>;
  submittedAt: Date | null;
  falQueuePosition: number | null;
  medianMs: number;
  maxInFlight: number;
  position: SlotPosition | null;
  now: number;
}): ProgressEstimate {
  const { stage, medianMs, maxInFlight, position, now } = input;
  if (stage === 'generating') {
    return {
      queue_position: 0,
      fal_queue_position: input.falQueuePosition,
      eta_ms: etaAtFalMs({
        medianMs,
        falQueuePosition: input.falQueuePosition,
        maxInFlight,
        sinceSubmitMs: input.submittedAt ? now - input.submittedAt.getTime() : 0,
      }),
    };
  }
  if (stage !== 'queued') {
    return UNKNOWN;
  }
  if (!position || position.ahead === null || maxInFlight <= 0) {
    // No limit of ours (fal's queue decides) or not in our queue yet: its own generation at least.
    return { queue_position: null, fal_queue_position: null, eta_ms: medianMs };
  }
  const slotFree = position.inFlight < maxInFlight;
  const wait = slotFree ? 0 : ((position.ahead + 1) / maxInFlight) * medianMs;
  return {
    queue_position: position.ahead,
    fal_queue_position: null,
    eta_ms: Math.round(wait + medianMs),
  };
}

/** The status answer's estimate for one infograph (two Redis reads at most, times cached). */
@Injectable()
export class ProgressEstimates {
  constructor(
    private readonly config: AppConfig,
    private readonly capacity: FalCapacity,
    private readonly times: GenerationTimesService,
  ) {}

  async of(i: Infograph): Promise<ProgressEstimate> {
    const stage = stageOf(i);
    if (stage !== 'queued' && stage !== 'generating') {
      return UNKNOWN;
    }
    const [medianMs, position] = await Promise.all([
      this.times.medianMs(i.resolution),
      stage === 'queued' ? this.capacity.position(i.id) : null,
    ]);
    return estimateProgress({
      stage,
      submittedAt: i.submittedAt,
      falQueuePosition: i.falQueuePosition,
      medianMs,
      maxInFlight: this.config.falCapacity.maxInFlight,
      position,
      now: Date.now(),
    });
  }
}
