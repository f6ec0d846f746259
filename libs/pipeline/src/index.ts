export { InfographPipeline } from './infograph-pipeline';
export { PipelineModule } from './pipeline.module';
export { FalCapacity, type SlotPosition, type SlotRequest } from './fal-capacity/fal-capacity';
