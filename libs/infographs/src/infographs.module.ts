import { CreditsModule } from '@app/credits';
import { Module } from '@nestjs/common';

import { GenerationOutcomeService } from './generation-outcome.service';
import { GenerationTimesService } from './generation-times.service';
import { InfographCreationService } from './infograph-creation.service';
import { InfographQueriesService } from './infograph-queries.service';
import { InfographStateService } from './infograph-state.service';
import { StaleInfographsService } from './stale-infographs.service';

const SERVICES = [
  InfographCreationService,
  InfographQueriesService,
  InfographStateService,
  GenerationOutcomeService,
  StaleInfographsService,
  GenerationTimesService,
];

@Module({ imports: [CreditsModule], providers: SERVICES, exports: SERVICES })
export class InfographsModule {}
