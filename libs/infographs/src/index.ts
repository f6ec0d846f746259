export { normaliseAspectRatio } from './aspect-ratio';
export { type AppliedOutcome, type FalOutcome, NSFW_REASON, describeFalError } from './fal-outcome';
export { FalOutcomeService } from './fal-outcome.service';
export {
  type CreateInfographsCommand,
  type CreateInfographsResponse,
  IdempotencyConflictError,
  InfographCreationService,
} from './infograph-creation.service';
export { InfographQueriesService, InvalidCursorError } from './infograph-queries.service';
export { type FalImageFacts, InfographStateService } from './infograph-state.service';
export { type InfographView, toInfographView } from './infograph-view';
export { InfographsModule } from './infographs.module';
export { priceOf } from './pricing';
