import type { AccountFaultError } from './account-fault';
import { Markers, RunPlan, SubmitOutcome } from './faults';
import { ModelInput, ValidationDetail } from './model-input';

/**
 * fal-sim's internal states. On the wire FAILED and CANCELLED both answer status COMPLETED
 * (fal's status enum has only three values) plus an `error`; the result call then fails.
 */
export type SimState = 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

export interface DeliveryAttempt {
  /** 1 for the first webhook of this request, 2 for a duplicate or the follow-up of out-of-order. */
  delivery: number;
  envelope: 'OK' | 'ERROR';
  attempt: number;
  at: string;
  statusCode?: number;
  error?: string;
  durationMs: number;
}

export interface ImageOutput {
  url: string;
  content_type: string;
  file_name: string;
  file_size: number;
  width: number;
  height: number;
}

/** nano-banana-pro's output: no `seed`, and `has_nsfw_concepts` only when the nsfw fault adds it. */
export interface ModelOutput {
  images: ImageOutput[];
  description: string;
  has_nsfw_concepts?: boolean[];
}

export interface Failure {
  /** The HTTP status the result call answers with, and the code in the ERROR webhook. */
  statusCode: number;
  error: string;
  /** fal's machine-readable category (`client_cancelled`, `runner_server_error`), where it has one. */
  errorType?: string;
  payload: unknown;
}

export interface SimRequest {
  id: string;
  gatewayRequestId: string;
  endpointId: string;
  /** `{owner}/{alias}`: status, result and cancel URLs drop any sub-path. */
  appId: string;
  /** The model input; defaults stand in for fields that `inputProblems` lists. */
  input: ModelInput;
  /** Why the model refuses the input: fal queues it anyway, and it fails with a 422 once it runs. */
  inputProblems?: ValidationDetail[];
  webhookUrl?: string;
  markers: Markers;
  plan: RunPlan;
  seed: number;
  state: SimState;
  createdAt: number;
  startedAt?: number;
  completedAt?: number;
  /** When a cancel came, and whether the runner ignored it (the request then completes). */
  cancel?: { at: number; ignored: boolean };
  output?: ModelOutput;
  failure?: Failure;
  webhook: { lost: boolean; finished: boolean; attempts: DeliveryAttempt[] };
  timers: NodeJS.Timeout[];
}

export interface SubmitRecord {
  at: string;
  endpointId: string;
  prompt?: string;
  outcome: SubmitOutcome | 'unauthorized' | 'invalid-input' | AccountFaultError['outcome'];
  requestId?: string;
}

const MAX_SUBMIT_RECORDS = 1000;

/** Everything fal-sim remembers, in memory; the oldest requests (and their files) are evicted. */
export class RequestStore {
  private readonly requests = new Map<string, SimRequest>();
  private readonly files = new Map<string, { requestId: string; body: Buffer }>();
  /** File names per request, and the requests still queued: so no call scans every request. */
  private readonly fileNames = new Map<string, string[]>();
  private readonly queued = new Set<SimRequest>();
  /** Requests holding one of the account's concurrency slots. */
  private readonly running = new Set<SimRequest>();
  private readonly submitCounts = new Map<string, number>();
  private submits: SubmitRecord[] = [];
  /** The most requests the account had outstanding (queued or running) at once, since a reset. */
  private peakOutstanding = 0;

  constructor(private readonly maxRequests: number) {}

  add(request: SimRequest): void {
    this.requests.set(request.id, request);
    if (request.state === 'IN_QUEUE') {
      this.queued.add(request);
    }
    this.peakOutstanding = Math.max(this.peakOutstanding, this.queued.size + this.running.size);
    while (this.requests.size > this.maxRequests) {
      const oldest = this.requests.keys().next().value as string;
      this.remove(oldest);
    }
  }

  get(id: string): SimRequest | undefined {
    return this.requests.get(id);
  }

  list(): SimRequest[] {
    return [...this.requests.values()];
  }

  /** Every state change goes through here, which keeps the queue and the slots up to date. */
  setState(request: SimRequest, state: SimState): void {
    request.state = state;
    if (state !== 'IN_QUEUE') {
      this.queued.delete(request);
    }
    if (state === 'IN_PROGRESS') {
      this.running.add(request);
    } else {
      this.running.delete(request);
    }
  }

  /** An IN_PROGRESS request that no longer occupies a slot (one fal forgot: `stuck`). */
  releaseSlot(request: SimRequest): void {
    this.running.delete(request);
  }

  runningCount(): number {
    return this.running.size;
  }

  /** What a client of the account has outstanding now, and the most it ever had at once. */
  stats(): { queued: number; running: number; peakOutstanding: number } {
    return {
      queued: this.queued.size,
      running: this.running.size,
      peakOutstanding: this.peakOutstanding,
    };
  }

  /** The request waiting longest, next to run. */
  nextQueued(): SimRequest | undefined {
    return this.queued.values().next().value;
  }

  /** Requests still queued ahead of this one (queued ones are kept in submission order). */
  queuePosition(request: SimRequest): number {
    let ahead = 0;
    for (const queued of this.queued) {
      if (queued === request) {
        break;
      }
      if (queued.createdAt < request.createdAt) {
        ahead++;
      }
    }
    return ahead;
  }

  putFile(name: string, requestId: string, body: Buffer): void {
    this.files.set(name, { requestId, body });
    this.fileNames.set(requestId, [...(this.fileNames.get(requestId) ?? []), name]);
  }

  getFile(name: string): Buffer | undefined {
    return this.files.get(name)?.body;
  }

  /** Returns how many submits of this key came before, then counts this one. */
  countSubmit(key: string): number {
    const previous = this.submitCounts.get(key) ?? 0;
    this.submitCounts.set(key, previous + 1);
    return previous;
  }

  recordSubmit(record: SubmitRecord): void {
    this.submits.push(record);
    if (this.submits.length > MAX_SUBMIT_RECORDS) {
      this.submits = this.submits.slice(-MAX_SUBMIT_RECORDS);
    }
  }

  submitRecords(): SubmitRecord[] {
    return [...this.submits];
  }

  reset(): void {
    for (const id of [...this.requests.keys()]) {
      this.remove(id);
    }
    this.files.clear();
    this.fileNames.clear();
    this.queued.clear();
    this.running.clear();
    this.submitCounts.clear();
    this.submits = [];
    this.peakOutstanding = 0;
  }

  private remove(id: string): void {
    const request = this.requests.get(id);
    request?.timers.forEach(clearTimeout);
    this.requests.delete(id);
    if (request) {
      this.queued.delete(request);
      this.running.delete(request);
    }
    for (const name of this.fileNames.get(id) ?? []) {
      this.files.delete(name);
    }
    this.fileNames.delete(id);
  }
}

/** The admin view of a request: no timers, times as ISO strings. */
export function describeRequest(request: SimRequest): Record<string, unknown> {
  const iso = (ms?: number): string | undefined =>
    ms === undefined ? undefined : new Date(ms).toISOString();
  return {
    requestId: request.id,
    gatewayRequestId: request.gatewayRequestId,
    endpointId: request.endpointId,
    state: request.state,
    prompt: request.input.prompt,
    input: request.input,
    webhookUrl: request.webhookUrl,
    plan: request.plan,
    unknownMarkers: request.markers.unknown,
    seed: request.seed,
    createdAt: iso(request.createdAt),
    startedAt: iso(request.startedAt),
    completedAt: iso(request.completedAt),
    cancel: request.cancel && { at: iso(request.cancel.at), ignored: request.cancel.ignored },
    inputProblems: request.inputProblems,
    output: request.output,
    failure: request.failure,
    webhook: {
      lost: request.webhook.lost,
      finished: request.webhook.finished,
      attempts: request.webhook.attempts,
    },
  };
}
