import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Why an infograph failed, coarse enough to alert on. */
export type FailureClass =
  | 'fal_rejected'
  | 'fal_error'
  | 'fal_unreachable'
  | 'nsfw'
  | 'blog'
  | 'download'
  | 'storage'
  | 'timeout'
  // The user cancelled it: counted apart, so failure-rate alerts can leave it out.
  | 'cancelled'
  | 'other';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const GENERATION_BUCKETS = [1, 2, 5, 10, 20, 30, 45, 60, 90, 120, 300, 600, 1800];

/**
 * Every metric, named in Prometheus' conventions (`ainfographic_<subject>_<unit>[_total]`, base
 * units). One registry per process; api and worker each expose theirs at `/metrics`.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequestDuration = new Histogram({
    name: 'ainfographic_http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly infographsCreated = this.counter(
    'ainfographic_infographs_created_total',
    'Infographs created (charged)',
  );
  readonly infographsCompleted = this.counter(
    'ainfographic_infographs_completed_total',
    'Infographs completed (image in storage)',
  );
  readonly infographsFailed = this.counter(
    'ainfographic_infographs_failed_total',
    'Infographs failed and refunded, by reason class',
    ['reason'],
  );
  readonly refunds = this.counter('ainfographic_refunds_total', 'Refund ledger entries written');
  readonly refundedCredits = this.counter(
    'ainfographic_refunded_credits_total',
    'Credits given back by refunds',
  );

  readonly generationDuration = new Histogram({
    name: 'ainfographic_generation_duration_seconds',
    help: 'Time from create to completed',
    buckets: GENERATION_BUCKETS,
    registers: [this.registry],
  });

  readonly webhookToCompletedDuration = new Histogram({
    name: 'ainfographic_webhook_to_completed_duration_seconds',
    help: 'Time from the accepted fal result to the image being in storage',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly falSubmitDuration = new Histogram({
    name: 'ainfographic_fal_submit_duration_seconds',
    help: 'Latency of submits to fal, including the client library retries',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly falWebhookDeliveries = this.counter(
    'ainfographic_fal_webhook_deliveries_total',
    'fal webhook deliveries by outcome (accepted, duplicate, ignored_terminal, orphan, mismatch, invalid_signature, invalid_body, unknown_infograph, not_submitted)',
    ['outcome'],
  );

  readonly stripeWebhookEvents = this.counter(
    'ainfographic_stripe_webhook_events_total',
    'Stripe webhook deliveries by event type (the handled ones, else other) and outcome (granted, duplicate, recorded, ignored, retry_later, invalid_signature)',
    ['type', 'outcome'],
  );
  readonly checkoutSessions = this.counter(
    'ainfographic_checkout_sessions_total',
    'Stripe Checkout Sessions asked for, by outcome (created, failed)',
    ['outcome'],
  );
  readonly purchasesPaid = this.counter(
    'ainfographic_purchases_paid_total',
    'Credit purchases paid and granted',
  );
  readonly purchasedCredits = this.counter(
    'ainfographic_purchased_credits_total',
    'Credits granted by paid purchases',
  );
  readonly clawedBackCredits = this.counter(
    'ainfographic_clawed_back_credits_total',
    'Credits taken back after refunds and disputes, by kind',
    ['kind'],
  );
  readonly unrecoveredCredits = this.counter(
    'ainfographic_unrecovered_credits_total',
    'Refunded or disputed credits already spent, so not taken back: each one is for an operator',
    ['kind'],
  );

  readonly jobAttempts = this.counter(
    'ainfographic_job_attempts_total',
    'Job runs started, per queue',
    ['queue'],
  );
  readonly jobRetries = this.counter(
    'ainfographic_job_retries_total',
    'Job runs that failed and will retry, per queue',
    ['queue'],
  );
  readonly jobFailures = this.counter(
    'ainfographic_job_failures_total',
    'Jobs that failed for good, per queue',
    ['queue'],
  );
  readonly reconciled = this.counter(
    'ainfographic_reconciled_total',
    'Infographs the reconciler acted on, by action (submit, upload, polled, expired)',
    ['action'],
  );

  readonly notifications = this.counter(
    'ainfographic_notifications_total',
    'Notices about finished infographs, by channel (realtime, webhooks, push, email) and outcome (sent, queued, failed, expired, skipped_preference, skipped_seen, skipped_unknown)',
    ['channel', 'outcome'],
  );

  readonly queueJobs = new Gauge({
    name: 'ainfographic_queue_jobs',
    help: 'Jobs per queue and state (waiting, active, delayed, failed)',
    labelNames: ['queue', 'state'],
    registers: [this.registry],
    collect: async () => {
      await this.collectQueueDepth?.(this.queueJobs);
    },
  });

  /** Set by an app that can see the queues; called on each scrape. */
  collectQueueDepth?: (gauge: Gauge<'queue' | 'state'>) => Promise<void>;

  readonly falCircuitOpen = new Gauge({
    name: 'ainfographic_fal_circuit_open',
    help: '1 while the fal circuit breaker holds submits (open or probing), else 0; read from Redis on each scrape of a worker (cluster-wide)',
    registers: [this.registry],
    collect: async () => {
      await this.collectFalCircuit?.(this.falCircuitOpen);
    },
  });

  /** Set by the worker's fal circuit breaker; called on each scrape. */
  collectFalCircuit?: (gauge: Gauge) => Promise<void>;

  readonly falCircuitTrips = this.counter(
    'ainfographic_fal_circuit_trips_total',
    'Times the fal circuit breaker opened from closed, by cause (unauthorized, locked, unavailable)',
    ['cause'],
  );

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'ainfographic_' });
  }

  private counter<L extends string>(name: string, help: string, labelNames: L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }
}
