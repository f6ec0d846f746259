import type { Infograph } from '@app/database';

/**
 * Where an infograph is in its life, finer than its status and read from columns the steps already
 * write (no write of its own): `queued` until fal.ai has the request (waiting for a worker, the blog
 * or fal; also while the fal circuit breaker holds it), `generating` while fal.ai makes the image,
 * `uploading` once fal's image is recorded and is being copied into our storage, then the terminal
 * status. Wire format: add words, never rename one.
 */
export const INFOGRAPH_STAGES = [
  'queued',
  'generating',
  'uploading',
  'completed',
  'failed',
] as const;
export type InfographStage = (typeof INFOGRAPH_STAGES)[number];

export type ProgressSource = Pick<
  Infograph,
  'status' | 'falRequestId' | 'falImageUrl' | 'createdAt' | 'completedAt' | 'updatedAt'
>;

export function stageOf(
  i: Pick<ProgressSource, 'status' | 'falRequestId' | 'falImageUrl'>,
): InfographStage {
  if (i.status === 'completed' || i.status === 'failed') {
    return i.status;
  }
  if (i.status === 'pending' && !i.falRequestId) {
    return 'queued';
  }
  return i.falImageUrl ? 'uploading' : 'generating';
}

/**
 * How long it has taken since the create: until now while unfinished, until it finished (its
 * completion, or the failure's update) once terminal, so a finished card's time stops.
 */
export function elapsedMs(
  i: Pick<ProgressSource, 'status' | 'createdAt' | 'completedAt' | 'updatedAt'>,
  now: number,
): number {
  const end =
    i.status === 'completed'
      ? (i.completedAt ?? i.updatedAt).getTime()
      : i.status === 'failed'
        ? i.updatedAt.getTime()
        : now;
  return Math.max(0, end - i.createdAt.getTime());
}

/**
 * About how long until a request at fal.ai is done, ms: its own generation (`medianMs`, a recent
 * typical one) less what has passed since the submit, after the `falQueuePosition` ahead of it in
 * fal's queue, which fal starts `maxInFlight` at a time. Null when some are ahead and fal's
 * concurrency is not known (no FAL_MAX_IN_FLIGHT): a guess would only mislead.
 */
export function etaAtFalMs(input: {
  medianMs: number;
  falQueuePosition: number | null;
  maxInFlight: number;
  sinceSubmitMs: number;
}): number | null {
  const ahead = input.falQueuePosition ?? 0;
  if (ahead > 0 && input.maxInFlight <= 0) {
    return null;
  }
  const generations = ahead > 0 ? ahead / input.maxInFlight + 1 : 1;
  return Math.max(0, Math.round(generations * input.medianMs - input.sinceSubmitMs));
}
