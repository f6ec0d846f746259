import { INFOGRAPH_STATUSES, type InfographStatus } from '@app/database';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** One invalid field of a request: which, and what is wrong with it. */
export class ErrorDetail {
  @ApiProperty({
    example: 'number_of_infographs',
    description: 'The field, dotted for nested ones (`a.b`)',
  })
  field!: string;

  @ApiProperty({ example: 'number_of_infographs must not be greater than 4' })
  message!: string;
}

/**
 * Every error answer of the api (the exception filter's output): people read `message`, programs
 * branch on `code`. The same schema for every status, so one client type covers them all.
 */
export class ErrorResponse {
  @ApiProperty({ type: 'integer', example: 400, description: 'The HTTP status, repeated' })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request', description: "The status's reason phrase" })
  error!: string;

  @ApiProperty({
    example: 'number_of_infographs: number_of_infographs must not be greater than 4',
    description: 'For people; at most about a kilobyte',
  })
  message!: string;

  @ApiProperty({
    pattern: '^[a-z][a-z0-9_]{0,63}$',
    example: 'validation_failed',
    description:
      'A stable word to branch on: a specific one (`insufficient_credits`, `csrf_token_missing`, …) or, where there is none, the status in words (`not_found`, `too_many_requests`)',
  })
  code!: string;

  @ApiPropertyOptional({
    type: [ErrorDetail],
    description: 'With `validation_failed`: each invalid field (the first 5)',
  })
  details?: ErrorDetail[];

  @ApiPropertyOptional({
    enum: INFOGRAPH_STATUSES,
    description: "With `infograph_finished`: the infographic's status now",
  })
  infograph_status?: InfographStatus;

  @ApiPropertyOptional({
    example: 'req-5b0c4f1e',
    description: 'This request’s id (also the X-Request-Id header): quote it when asking for help',
  })
  request_id?: string;
}
