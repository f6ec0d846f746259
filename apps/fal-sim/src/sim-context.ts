import { FaultSettings } from './faults';
import { RequestRunner } from './request-runner';
import { RequestStore } from './request-store';
import { WebhookSender } from './webhook-sender';
import { WebhookSigner } from './webhook-signer';

/** What the route modules share; one per fal-sim instance, so tests can run several side by side. */
export interface SimContext {
  store: RequestStore;
  runner: RequestRunner;
  sender: WebhookSender;
  signer: WebhookSigner;
  /** Mutable: the admin API swaps fault settings on a running process. */
  faults: { current: FaultSettings; initial: FaultSettings };
  /** Base of the seeded PRNG: FAL_SIM_SEED, or random per boot. */
  seed: string;
  /** When set, only `Authorization: Key <requiredKey>` is accepted. */
  requiredKey?: string;
  hangMs: number;
  baseUrl: () => string;
}
