import { AppConfig } from '@app/config';
import { Infograph, WebhookOutcome, preparedQuery } from '@app/database';
import {
  FalImage,
  FalWebhookUrls,
  FalWebhookVerifier,
  WebhookSignatureError,
  parseFalWebhookBody,
} from '@app/fal';
import { FalOutcomeService, InfographStateService } from '@app/infographs';
import { Metrics } from '@app/observability';
import { JobProducer } from '@app/queues';
import {
  BadRequestException,
  ConflictException,
  HttpException,
  Injectable,
  Logger,
  NotFoundException,
  OnModuleInit,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import { DataSource } from 'typeorm';

import { RejectionSampler } from './rejection-sampler';

/** A 401 left out of the records by sampling: its request log line is left out too. */
export class UnrecordedRejection extends UnauthorizedException {}

type Headers = Record<string, string | string[] | undefined>;

/**
 * fal's callback: verify, bind identities, record, apply idempotently, enqueue the slow work.
 * Status codes steer fal's retries: 2xx stops them, 503 asks for a later delivery.
 */
@Injectable()
export class FalWebhookService implements OnModuleInit {
  private readonly logger = new Logger('FalWebhook');
  private readonly rejections: RejectionSampler;

  constructor(
    private readonly config: AppConfig,
    private readonly verifier: FalWebhookVerifier,
    private readonly urls: FalWebhookUrls,
    private readonly state: InfographStateService,
    private readonly outcomes: FalOutcomeService,
    private readonly producer: JobProducer,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly metrics: Metrics,
  ) {
    this.rejections = new RejectionSampler(config.webhooks.rejectionsRecordedPerMinute, 60_000);
  }

  onModuleInit(): void {
    if (!this.config.fal.verifyWebhooks) {
      this.logger.warn(
        '!!! FAL_WEBHOOK_VERIFY=false: webhook signatures are NOT checked. Anyone can complete or fail infographs. Local experiments only. !!!',
      );
    }
  }

  async receive(
    infographId: string,
    urlToken: unknown,
    rawBody: Buffer | undefined,
    headers: Headers,
  ): Promise<{ received: true; outcome: WebhookOutcome }> {
    if (!isUUID(infographId)) {
      throw new NotFoundException(`No infograph ${infographId}.`);
    }
    const body = rawBody ?? Buffer.alloc(0);
    let signedRequestId: string | undefined;
    if (this.config.fal.verifyWebhooks) {
      try {
        signedRequestId = (await this.verifier.verify({ rawBody: body, headers })).requestId;
      } catch (error) {
        if (error instanceof WebhookSignatureError) {
          const message = `Webhook signature rejected: ${error.message}`;
          throw (await this.recordRejection(infographId, error))
            ? new UnauthorizedException(message)
            : new UnrecordedRejection(message);
        }
        throw error;
      }
    }
    const parsed = parseFalWebhookBody(parseJson(body));
    if (parsed.kind === 'invalid') {
      throw new BadRequestException(`Not a fal webhook body: ${parsed.reason}.`);
    }
    const verified = signedRequestId !== undefined;
    if (!this.urls.isIssued(infographId, urlToken)) {
      // fal signs every customer's deliveries with one key set: a valid signature on a URL we never
      // issued is another fal request aimed at ours (or a guess). Recorded, never applied; 2xx so
      // fal stops retrying it.
      await this.record(
        infographId,
        parsed.requestId ?? signedRequestId ?? null,
        parsed,
        'orphan',
        verified,
      );
      return { received: true, outcome: 'orphan' };
    }
    if (verified && parsed.requestId !== undefined && parsed.requestId !== signedRequestId) {
      await this.record(infographId, parsed.requestId, parsed, 'mismatch', verified);
      throw new ConflictException(
        'The body request_id does not match the signed X-Fal-Webhook-Request-Id.',
      );
    }
    const image = parsed.kind === 'ok' && !parsed.nsfw ? parsed.images[0] : undefined;
    const namedRequestId = parsed.requestId ?? signedRequestId;
    if (
      image &&
      namedRequestId &&
      (await this.accept(infographId, namedRequestId, image, verified))
    ) {
      await this.enqueueNext(infographId, 'accepted', 'processing');
      return { received: true, outcome: 'accepted' };
    }
    // Everything else (duplicates, errors, NSFW, orphans, terminal rows): read the row, tell why.
    const infograph = await this.withRequestId(infographId, verified ? namedRequestId : undefined);
    const requestId = parsed.requestId ?? signedRequestId ?? infograph.falRequestId;
    if (requestId !== infograph.falRequestId) {
      // A duplicate fal job (e.g. a crash between submit and saving its id): never applied, and
      // 2xx because it is recorded: there is nothing for fal to deliver again.
      await this.record(infographId, requestId, parsed, 'orphan', verified);
      return { received: true, outcome: 'orphan' };
    }
    if (parsed.kind === 'error' && infograph.status === 'processing') {
      // An ERROR is confirmed with fal before anything fails (the upload job asks fal): a stale or
      // out-of-order ERROR must not cost the user an image fal did make.
      await this.record(infographId, requestId, parsed, 'accepted', verified);
      await this.enqueueNext(infographId, 'accepted', infograph.status);
      return { received: true, outcome: 'accepted' };
    }
    const applied = await this.outcomes.apply(
      infograph,
      requestId,
      parsed.kind === 'ok' ? { kind: 'ok', images: parsed.images, nsfw: parsed.nsfw } : parsed,
    );
    await this.record(
      infographId,
      requestId,
      parsed,
      applied === 'failed' ? 'accepted' : applied,
      verified,
    );
    await this.enqueueNext(infographId, applied, infograph.status);
    return { received: true, outcome: applied === 'failed' ? 'accepted' : applied };
  }

  /**
   * The common case, one statement: fal's image for this infograph's request is recorded (once)
   * together with the delivery. The same transition as `recordFalImage`, which also takes a
   * pending row whose request id is not saved yet when the delivery is signed (see
   * `withRequestId`). False when nothing moved; the caller then reads the row to say why.
   */
  private async accept(
    infographId: string,
    requestId: string,
    image: FalImage,
    signatureVerified: boolean,
  ): Promise<boolean> {
    const moved = await preparedQuery(
      this.dataSource,
      `WITH moved AS (
         UPDATE infographs
            SET fal_image_url = $3, width = $4, height = $5, content_type = $6,
                status = 'processing', fal_request_id = $2,
                submitted_at = COALESCE(submitted_at, now()), updated_at = now()
          WHERE id = $1 AND fal_image_url IS NULL
            AND ((status = 'processing' AND fal_request_id = $2)
              OR ($7 AND status = 'pending' AND fal_request_id IS NULL))
          RETURNING id),
       delivery AS (
         INSERT INTO webhook_deliveries
                (infograph_id, fal_request_id, fal_status, outcome, signature_verified)
         SELECT id, $2, 'OK', 'accepted', $7 FROM moved)
       SELECT id FROM moved`,
      [
        infographId,
        requestId,
        image.url,
        image.width ?? null,
        image.height ?? null,
        image.contentType ?? null,
        signatureVerified,
      ],
    );
    if (moved.length !== 1) {
      return false;
    }
    this.metrics.webhookDeliveries.inc({ outcome: 'accepted' });
    return true;
  }

  /**
   * The infograph, with its fal request id. fal can answer faster than the worker saves that id:
   * a signed delivery names it (fal sent it to this infograph's own URL), so it is recorded now;
   * without one, fal is asked to deliver again later.
   */
  private async withRequestId(
    infographId: string,
    signedRequestId: string | undefined,
  ): Promise<Infograph & { falRequestId: string }> {
    let infograph = await this.state.find(infographId);
    if (infograph && infograph.falRequestId === null && signedRequestId !== undefined) {
      await this.state.claimForWebhook(infographId, signedRequestId);
      infograph = await this.state.find(infographId);
    }
    if (!infograph) {
      throw new NotFoundException(`No infograph ${infographId}.`);
    }
    if (infograph.falRequestId === null) {
      throw new ServiceUnavailableException(
        'This infograph is not submitted yet; deliver again later.',
      );
    }
    return { ...infograph, falRequestId: infograph.falRequestId };
  }

  private async enqueueNext(
    infographId: string,
    applied: string,
    statusBefore: string,
  ): Promise<void> {
    try {
      if (applied === 'accepted' || (applied === 'duplicate' && statusBefore === 'processing')) {
        // Also on a duplicate: the first delivery may have recorded the image but failed to enqueue.
        await this.producer.enqueue('upload', [{ infographId }]);
      } else if (applied === 'failed') {
        await this.producer.enqueue('notify', [{ infographId }]);
      }
    } catch (error) {
      if (error instanceof HttpException) {
        throw error;
      }
      this.logger.warn(
        `could not enqueue after webhook for ${infographId}: ${(error as Error).message}`,
      );
      throw new ServiceUnavailableException('Queue unavailable; deliver again later.');
    }
  }

  /**
   * Worth a line and a row: a forgery, a clock off by minutes, or fal's keys out of reach. But
   * anyone can send these, so every one is counted and only a sample is written.
   */
  private async recordRejection(
    infographId: string,
    error: WebhookSignatureError,
  ): Promise<boolean> {
    this.metrics.webhookDeliveries.inc({ outcome: 'invalid_signature' });
    const sample = this.rejections.admit();
    if (!sample.record) {
      return false;
    }
    const unrecorded = sample.suppressedBefore
      ? ` (${sample.suppressedBefore} earlier rejections were counted but not logged)`
      : '';
    this.logger.warn(`webhook for ${infographId} rejected: ${error.message}${unrecorded}`);
    await this.insertDelivery(null, null, null, 'invalid_signature', false);
    return true;
  }

  private async record(
    infographId: string | null,
    falRequestId: string | null,
    body: unknown,
    outcome: WebhookOutcome,
    signatureVerified: boolean,
  ): Promise<void> {
    const falStatus =
      body && typeof body === 'object' && 'kind' in body
        ? (body as { kind: string }).kind === 'ok'
          ? 'OK'
          : 'ERROR'
        : null;
    this.metrics.webhookDeliveries.inc({ outcome });
    await this.insertDelivery(infographId, falRequestId, falStatus, outcome, signatureVerified);
  }

  private async insertDelivery(
    infographId: string | null,
    falRequestId: string | null,
    falStatus: string | null,
    outcome: WebhookOutcome,
    signatureVerified: boolean,
  ): Promise<void> {
    await preparedQuery(
      this.dataSource,
      `INSERT INTO webhook_deliveries (infograph_id, fal_request_id, fal_status, outcome, signature_verified)
       VALUES ($1, $2, $3, $4, $5)`,
      [infographId, falRequestId, falStatus, outcome, signatureVerified],
    );
  }
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new BadRequestException('The webhook body is not valid JSON.');
  }
}
