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
  isSafetyBlock,
} from './generation-outcome';
export { type FailureDetail, failureMessage } from './failure-message';
export { GenerationOutcomeService } from './generation-outcome.service';
export {
  type CreateInfographsCommand,
  type CreatedInfographs,
  IdempotencyConflictError,
  InfographCreationService,
} from './infograph-creation.service';
export { InfographQueriesService, InvalidCursorError } from './infograph-queries.service';
export {
  type CancelledInfograph,
  type InfographFailure,
  type InfographForNotice,
  InfographStateService,
} from './infograph-state.service';
export { type StaleStage, StaleInfographsService } from './stale-infographs.service';
export { GenerationTimesService } from './generation-times.service';
export {
  type InfographUpdate,
  type InfographUpdateSource,
  type InfographUpdatedEvent,
  infographUpdatedEvent,
  readInfographUpdatedEvent,
  toInfographUpdate,
} from './infograph-update';
export {
  elapsedMs,
  etaAtFalMs,
  INFOGRAPH_STAGES,
  type InfographStage,
  stageOf,
} from './infograph-progress';
export { InfographsModule } from './infographs.module';
export { priceOf } from './pricing';
