import { ApiProperty } from '@nestjs/swagger';

export class LivenessResponse {
  @ApiProperty({ enum: ['ok'] })
  status!: 'ok';
}

class DependencyCheck {
  @ApiProperty({ enum: ['up', 'down'] })
  status!: 'up' | 'down';

  @ApiProperty({ required: false, description: 'Why it is down' })
  error?: string;
}

class ReadinessChecks {
  @ApiProperty({ type: DependencyCheck })
  database!: DependencyCheck;

  @ApiProperty({ type: DependencyCheck })
  redis!: DependencyCheck;
}

/** `GET /health/ready`: the same shape with 200 (ready) and 503 (a store down). */
export class ReadinessResponse {
  @ApiProperty({ enum: ['ok', 'error'] })
  status!: 'ok' | 'error';

  @ApiProperty({ type: ReadinessChecks })
  checks!: ReadinessChecks;
}
