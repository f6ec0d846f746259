import { CreditsModule } from '@app/credits';
import { FalModule } from '@app/fal';
import { Module } from '@nestjs/common';

import { FalOutcomeService } from './fal-outcome.service';
import { InfographCreationService } from './infograph-creation.service';
import { InfographQueriesService } from './infograph-queries.service';
import { InfographStateService } from './infograph-state.service';

const SERVICES = [
  InfographCreationService,
  InfographQueriesService,
  InfographStateService,
  FalOutcomeService,
];

@Module({ imports: [CreditsModule, FalModule], providers: SERVICES, exports: SERVICES })
export class InfographsModule {}
