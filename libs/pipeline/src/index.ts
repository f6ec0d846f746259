export { InfographPipeline } from './infograph-pipeline';
export { PipelineModule } from './pipeline.module';
