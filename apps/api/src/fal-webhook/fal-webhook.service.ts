import { AppConfig } from '@app/config';
import { FalWebhookOutcome, Infograph, isTerminal } from '@app/database';
import {
  FalWebhookBody,
  FalWebhookUrls,
  FalWebhookVerifier,
  WebhookSignatureError,
  parseFalWebhookBody,
} from '@app/fal';
import { AppliedOutcome, InfographStateService } from '@app/infographs';
import { InfographPipeline } from '@app/pipeline';
import {
  BadRequestException,
  ConflictException,
  HttpException,
  Injectable,
  Logger,
  NotFoundException,
  OnModuleInit,
  ServiceUnavailableException,
} from '@nestjs/common';
import { isUUID } from 'class-validator';

import {
  DeliveryDecision,
  bindDelivery,
  decideDelivery,
  signatureRejection,
} from './delivery-decision';
import { FalDeliveryRecords } from './delivery-records';

/**
 * A delivery whose signature check failed: 401, or 503 with a Retry-After when fal's keys are out
 * of reach. `recorded` is false when sampling left it out of the records: its request log line is
 * left out too.
 */
export class SignatureRejection extends HttpException {
  readonly retryAfterSeconds?: number;

  constructor(
    message: string,
    answer: { status: number; retryAfterSeconds?: number },
    readonly recorded: boolean,
  ) {
    super(message, answer.status);
    this.retryAfterSeconds = answer.retryAfterSeconds;
  }
}

type Headers = Record<string, string | string[] | undefined>;
type ParsedBody = Exclude<FalWebhookBody, { kind: 'invalid' }>;
type Received = { received: true; outcome: FalWebhookOutcome };

/**
 * fal's callback: authenticate, bind to our request, record, apply idempotently, and leave the
 * slow work to the worker. Status codes steer fal's retries: 2xx stops them, 503 asks for a later
 * delivery, 4xx only for what must never be retried.
 */
@Injectable()
export class FalWebhookService implements OnModuleInit {
  private readonly logger = new Logger('FalWebhook');

  constructor(
    private readonly config: AppConfig,
    private readonly verifier: FalWebhookVerifier,
    private readonly urls: FalWebhookUrls,
    private readonly state: InfographStateService,
    private readonly pipeline: InfographPipeline,
    private readonly records: FalDeliveryRecords,
  ) {}

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
  ): Promise<Received> {
    if (!isUUID(infographId)) {
      throw new NotFoundException(`No infograph ${infographId}.`);
    }
    const body = rawBody ?? Buffer.alloc(0);
    const signedRequestId = await this.authenticate(infographId, body, headers);
    const verified = signedRequestId !== undefined;
    // From here on every delivery is recorded, refusals included: it passed verification (or
    // verification is off, locally), so only fal can send it and the table stays bounded.
    const parsed = await this.parseOrRecord(infographId, body, signedRequestId);
    const record = (falRequestId: string | null, outcome: FalWebhookOutcome) =>
      this.records.record({
        infographId,
        falRequestId,
        falStatus: parsed.kind === 'ok' ? 'OK' : 'ERROR',
        outcome,
        signatureVerified: verified,
      });

    const binding = bindDelivery({
      urlTokenIssued: this.urls.isIssued(infographId, urlToken),
      signedRequestId,
      body: parsed,
    });
    if (binding.kind === 'orphan') {
      // Recorded, never applied; 2xx so fal stops retrying it.
      await record(parsed.requestId ?? signedRequestId ?? null, 'orphan');
      return { received: true, outcome: 'orphan' };
    }
    if (binding.kind === 'mismatch') {
      await record(parsed.requestId ?? null, 'mismatch');
      throw new ConflictException(
        'The signed X-Fal-Webhook-Request-Id is neither the body request_id nor its gateway_request_id.',
      );
    }
    if (binding.requestId && (await this.acceptImage(infographId, binding, parsed, verified))) {
      return { received: true, outcome: 'accepted' };
    }
    // Everything else (duplicates, errors, NSFW, surplus requests, terminal rows): read the row.
    const infograph = await this.withRequestId(
      infographId,
      binding.mayClaimPending ? binding.requestId : undefined,
    );
    if (infograph === 'unknown') {
      await record(binding.requestId ?? null, 'unknown_infograph');
      throw new NotFoundException(`No infograph ${infographId}.`);
    }
    if (infograph === 'not_submitted') {
      await record(binding.requestId ?? null, 'not_submitted');
      throw new ServiceUnavailableException(
        'This infograph is not submitted yet; deliver again later.',
      );
    }
    if (infograph === 'ended_unsubmitted') {
      // Failed before its request id was saved (a blog that could not be read, or given up on
      // while pending): like any terminal row, nothing changes; a 503 would only make fal retry.
      await record(binding.requestId ?? null, 'ignored_terminal');
      return { received: true, outcome: 'ignored_terminal' };
    }
    const decision = decideDelivery(parsed, binding.requestId, infograph);
    const outcome = await this.carryOut(infograph, decision);
    await record(decision.requestId, outcome);
    return { received: true, outcome };
  }

  /** The verified signature's request id; undefined when verification is switched off. */
  private async authenticate(
    infographId: string,
    body: Buffer,
    headers: Headers,
  ): Promise<string | undefined> {
    if (!this.config.fal.verifyWebhooks) {
      return undefined;
    }
    try {
      return (await this.verifier.verify({ rawBody: body, headers })).requestId;
    } catch (error) {
      if (!(error instanceof WebhookSignatureError)) {
        throw error;
      }
      const answer = signatureRejection(error.reason);
      const message =
        answer.status === 503
          ? `Cannot check webhook signatures right now (${error.message}); deliver again later.`
          : `Webhook signature rejected: ${error.message}`;
      const recorded = await this.records.recordRejection(infographId, error);
      throw new SignatureRejection(message, answer, recorded);
    }
  }

  /**
   * The common case: an OK with a publishable image for this infograph's request, recorded
   * together with its delivery in one statement. False when nothing moved.
   */
  private async acceptImage(
    infographId: string,
    binding: { requestId?: string; mayClaimPending: boolean },
    parsed: ParsedBody,
    signatureVerified: boolean,
  ): Promise<boolean> {
    if (parsed.kind !== 'ok' || parsed.nsfw || !parsed.images[0] || !binding.requestId) {
      return false;
    }
    const moved = await this.state.recordDeliveredImage(
      infographId,
      binding.requestId,
      parsed.images[0],
      { claimPending: binding.mayClaimPending, signatureVerified },
    );
    if (moved) {
      this.records.countAccepted();
      await this.followUp(() =>
        this.pipeline.followUp({ id: infographId, status: 'processing' }, 'accepted'),
      );
    }
    return moved;
  }

  /** Does what the decision says; the outcome to record. */
  private async carryOut(
    infograph: Infograph & { falRequestId: string },
    decision: DeliveryDecision,
  ): Promise<FalWebhookOutcome> {
    switch (decision.kind) {
      case 'orphan':
        return 'orphan';
      case 'ignore':
        return 'ignored_terminal';
      case 'confirm':
        await this.followUp(() => this.pipeline.upload(infograph.id));
        return 'accepted';
      case 'apply': {
        const applied = await this.followUp(() =>
          this.pipeline.applyOutcome(infograph, decision.requestId, decision.outcome),
        );
        return asDeliveryOutcome(applied);
      }
    }
  }

  /**
   * The infograph, with its fal request id. fal can answer faster than the worker saves that id:
   * a delivery that may claim the row names it, so it is recorded now; otherwise fal is asked to
   * deliver again later.
   */
  private async withRequestId(
    infographId: string,
    claimWith: string | undefined,
  ): Promise<
    (Infograph & { falRequestId: string }) | 'unknown' | 'not_submitted' | 'ended_unsubmitted'
  > {
    let infograph = await this.state.find(infographId);
    if (infograph && infograph.falRequestId === null && claimWith !== undefined) {
      await this.state.claimForWebhook(infographId, claimWith);
      infograph = await this.state.find(infographId);
    }
    if (!infograph) {
      return 'unknown';
    }
    if (infograph.falRequestId === null) {
      return isTerminal(infograph.status) ? 'ended_unsubmitted' : 'not_submitted';
    }
    return { ...infograph, falRequestId: infograph.falRequestId };
  }

  /** The parsed body; a body that is not fal's is recorded as `invalid_body` and refused (400). */
  private async parseOrRecord(
    infographId: string,
    body: Buffer,
    signedRequestId: string | undefined,
  ): Promise<ParsedBody> {
    try {
      return parseBody(body);
    } catch (error) {
      await this.records.record({
        infographId,
        falRequestId: signedRequestId ?? null,
        falStatus: null,
        outcome: 'invalid_body',
        signatureVerified: signedRequestId !== undefined,
      });
      throw error;
    }
  }

  /**
   * A step that could not finish (its follow-up could not be enqueued, or a store failed) is fal's
   * to deliver again (503): every step is safe to repeat.
   */
  private async followUp<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      if (error instanceof HttpException) {
        throw error;
      }
      this.logger.warn(`could not finish a webhook delivery: ${(error as Error).message}`);
      throw new ServiceUnavailableException('Could not finish this delivery; deliver again later.');
    }
  }
}

/** A failure applied from a delivery is recorded as an accepted delivery. */
function asDeliveryOutcome(applied: AppliedOutcome): FalWebhookOutcome {
  return applied === 'failed' ? 'accepted' : applied;
}

function parseBody(body: Buffer): ParsedBody {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new BadRequestException('The webhook body is not valid JSON.');
  }
  const parsed = parseFalWebhookBody(json);
  if (parsed.kind === 'invalid') {
    throw new BadRequestException(`Not a fal webhook body: ${parsed.reason}.`);
  }
  return parsed;
}
