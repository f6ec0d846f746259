import { AppConfig, ConfigModule } from '@app/config';
import { CreditsModule, CreditsService, InsufficientCreditsError } from '@app/credits';
import { DatabaseModule, Infograph, User } from '@app/database';
import { InfographCreationService, priceOf } from '@app/infographs';
import { JobProducer, QueuesModule } from '@app/queues';
import { Metrics } from '@app/observability';
import { type DynamicModule, Global, Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import type { DataSource } from 'typeorm';

import { type Command, UsageError, report } from './command';
import { optionalString, requireString } from './flags';
import { type UserRef, userRef } from './views';

/** What `infograph:rerun` did, for the operator and the audit trail. */
export interface Rerun {
  source: { id: string; status: string; error_code: string | null };
  user: UserRef;
  infograph_id: string;
  /** Credits the new infograph was charged (a normal create's charge, in the ledger). */
  charged: number;
  /** Credits granted first with `--free`, in the same transaction as the charge; 0 otherwise. */
  granted: number;
  balance: number;
  /** False when Redis could not take the submit job now: the reconciler submits it later. */
  submitted: boolean;
}

export const formatRerun = (r: Rerun): string[] => [
  `Re-ran failed infograph ${r.source.id} (${r.source.error_code ?? 'no error code'}) for ${r.user.email} as ${r.infograph_id}.`,
  r.granted > 0
    ? `Granted ${r.granted} credits and charged ${r.charged} (a free re-run); balance is now ${r.balance}.`
    : `Charged ${r.charged} credits; balance is now ${r.balance}.`,
  r.submitted
    ? 'Its submit job is queued; follow it with GET /api/infographs/status/<id>/ or the queue dashboard.'
    : 'The submit job could not be queued now (Redis); the reconciler submits it within RECONCILE_PENDING_AFTER_MS.',
];

/** The queues' depth gauge needs a registry; the CLI's is never scraped. */
@Global()
@Module({ providers: [Metrics], exports: [Metrics] })
class CliMetricsModule {}

/** The database, the credit services and the queue producer: a re-run is submitted at once. */
@Module({})
export class RerunModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: RerunModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot(),
        CreditsModule,
        CliMetricsModule,
        QueuesModule.forRoot('producer'),
      ],
      providers: [InfographCreationService],
    };
  }
}

/**
 * An operator's "retry" of a user's failed infograph. The failed one stays failed (it was
 * refunded, exactly once); this creates a new one for the same user with the same settings, as a
 * normal charged create, so the ledger says what happened: a charge, and with `--free` a grant of
 * the same amount committed with it, noted with the source's id. Retrying the failed job on the
 * queue dashboard does nothing by design; this is the way to run it again.
 */
export const infographRerun: Command = {
  summary:
    "Re-run a user's failed infograph as a new one (charged; --free grants the cost first, noted in the ledger)",
  usage: 'infograph:rerun --id <infograph id> [--free] [--note <why>]',
  flags: { id: { type: 'string' }, free: { type: 'boolean' }, note: { type: 'string' } },
  module: (config) => RerunModule.forRoot(config),
  prepare(flags) {
    const id = requireString(flags, 'id');
    if (!isUUID(id)) {
      throw new UsageError(`--id ${id} is not an infograph id (a UUID).`);
    }
    const free = flags.free === true;
    const note = optionalString(flags, 'note', '');
    return async (app) => {
      const dataSource = app.get<DataSource>(getDataSourceToken());
      const source = await dataSource.manager.findOneBy(Infograph, { id });
      if (!source) {
        throw new UsageError(`No infograph ${id}.`);
      }
      if (source.status !== 'failed') {
        throw new Error(
          `Infograph ${id} is ${source.status}, not failed: only a failed one is re-run (the user can make variations of any).`,
        );
      }
      const user = await dataSource.manager.findOneByOrFail(User, { id: source.userId });
      if (user.deletedAt) {
        throw new Error(`Infograph ${id} belongs to a deleted account.`);
      }
      const config = app.get(AppConfig);
      const cost = priceOf(source.resolution, config.credits);
      const created = await dataSource
        .transaction(async (manager) => {
          if (free) {
            const why = `free re-run of failed infograph ${id}${note ? `: ${note}` : ''}`;
            await app.get(CreditsService).grant(user.id, cost, { note: why, manager });
          }
          return app.get(InfographCreationService).chargeAndCreate(manager, user.id, {
            prompt: source.prompt,
            blogUrl: source.blogUrl,
            aspectRatio: source.aspectRatio,
            resolution: source.resolution,
            count: 1,
          });
        })
        .catch((error: unknown) => {
          throw error instanceof InsufficientCreditsError
            ? new Error(`${error.message} Grant credits first, or re-run with --free.`)
            : error;
        });
      const newId = created.ids[0];
      const submitted = await app
        .get(JobProducer)
        .enqueue('submit', [{ infographId: newId }])
        .then(
          () => true,
          () => false,
        );
      const balance = (await dataSource.manager.findOneByOrFail(User, { id: user.id })).balance;
      return report(
        {
          source: { id, status: source.status, error_code: source.errorCode },
          user: userRef(user),
          infograph_id: newId,
          charged: created.creditsUsed,
          granted: free ? cost : 0,
          balance,
          submitted,
        },
        formatRerun,
      );
    };
  },
};
