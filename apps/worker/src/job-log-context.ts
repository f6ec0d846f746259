import { withLogBindings } from '@app/observability';
import type { Job } from 'bullmq';
import type { PinoLogger } from 'nestjs-pino';

/**
 * Runs a job's work so that every line logged while it runs — the processor's, and those of the
 * libraries it calls — carries the job's `infographId` (when it is about one), `jobId` and `queue`:
 * `grep <infographic id>` then finds each of them, with the job that wrote it.
 */
export function inJobLogContext<T>(logs: PinoLogger, job: Job, work: () => Promise<T>): Promise<T> {
  const { infographId } = (job.data ?? {}) as { infographId?: unknown };
  return withLogBindings(
    logs.logger,
    {
      ...(typeof infographId === 'string' ? { infographId } : {}),
      jobId: job.id,
      queue: job.queueName,
    },
    work,
  );
}
