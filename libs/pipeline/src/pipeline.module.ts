import { InfographsModule } from '@app/infographs';
import { Module } from '@nestjs/common';

import { FalCapacity } from './fal-capacity/fal-capacity';
import { InfographPipeline } from './infograph-pipeline';

/** The pipeline's follow-ups; JobProducer comes from the app's (global) QueuesModule. */
@Module({
  imports: [InfographsModule],
  providers: [InfographPipeline, FalCapacity],
  exports: [InfographPipeline, FalCapacity],
})
export class PipelineModule {}
