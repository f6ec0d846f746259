export { normaliseAspectRatio } from './aspect-ratio';
export {
  ASPECT_RATIOS,
  type AspectRatio,
  MAX_IMAGES_PER_REQUEST,
  RESOLUTIONS,
  type Resolution,
} from './generation-options';
export {
  type AppliedOutcome,
  type GeneratedImage,
  type GenerationOutcome,
  NSFW_REASON,
  SAFETY_BLOCK_REASON,
  describeFalError,
  isSafetyBlock,
} from './generation-outcome';
export { GenerationOutcomeService } from './generation-outcome.service';
export {
  type CreateInfographsCommand,
  type CreatedInfographs,
  IdempotencyConflictError,
  InfographCreationService,
} from './infograph-creation.service';
export { InfographQueriesService, InvalidCursorError } from './infograph-queries.service';
export { InfographStateService } from './infograph-state.service';
export { type StaleStage, StaleInfographsService } from './stale-infographs.service';
export {
  type InfographUpdate,
  type InfographUpdateSource,
  type InfographUpdatedEvent,
  infographUpdatedEvent,
  readInfographUpdatedEvent,
  toInfographUpdate,
} from './infograph-update';
export { InfographsModule } from './infographs.module';
export { priceOf } from './pricing';
