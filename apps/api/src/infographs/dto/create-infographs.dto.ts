import {
  ASPECT_RATIOS,
  MAX_IMAGES_PER_REQUEST,
  RESOLUTIONS,
  normaliseAspectRatio,
} from '@app/infographs';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
} from 'class-validator';

/** What `aspect_ratio` accepts: each ratio as fal writes it (`16:9`) and in the `16/9` form. */
const ACCEPTED_ASPECT_RATIOS = ASPECT_RATIOS.flatMap((ratio) =>
  ratio.includes(':') ? [ratio, ratio.replace(':', '/')] : [ratio],
);

const IsAspectRatio = () =>
  ValidateBy({
    name: 'isAspectRatio',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && normaliseAspectRatio(value) !== null,
      defaultMessage: () =>
        `aspect_ratio must be one of ${ASPECT_RATIOS.join(', ')} (16/9 also accepted)`,
    },
  });

/**
 * The create body, as in the guide. Unknown fields are rejected by the validation pipe. No OpenAPI
 * `default`s: generators (openapi-typescript) make a field that has one required, and every field
 * but the prompt may be left out; the descriptions say what is assumed.
 * class-validator runs a property's decorators bottom-up and the pipe stops at a field's first
 * failure (`stopAtFirstError`), so each list ends with the type check: it runs first, and `"2"`
 * is told it must be a whole number, not that it is greater than 4.
 */
export class CreateInfographsDto {
  @ApiProperty({
    example: 'Create an infographic about climate change',
    minLength: 1,
    maxLength: 4000,
  })
  // Postgres text cannot hold NUL, and no real prompt contains one.
  @Matches(/^[^\u0000]*$/, { message: 'prompt must not contain NUL characters' })
  @Matches(/\S/, { message: 'prompt must not be blank' })
  @MaxLength(4000)
  @MinLength(1)
  @IsString()
  prompt!: string;

  @ApiPropertyOptional({
    type: String,
    format: 'uri',
    nullable: true,
    maxLength: 2048,
    // Not a URL: Swagger's "Try it out" sends the example, and a made-up article fails the create.
    example: null,
    description:
      'A public http(s) article to base it on, e.g. https://example.com/blog-post (null or left out: none)',
  })
  @IsOptional()
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false },
    { message: 'blog_url must be an http:// or https:// URL' },
  )
  @MaxLength(2048)
  @IsString()
  blog_url?: string | null;

  @ApiPropertyOptional({
    enum: ACCEPTED_ASPECT_RATIOS,
    example: '16:9',
    description:
      'The shape, width:height (the 16/9 form is accepted too), or auto (the model picks); 16:9 when left out',
  })
  @IsOptional()
  @IsAspectRatio()
  @IsString()
  aspect_ratio?: string;

  @ApiPropertyOptional({
    enum: RESOLUTIONS,
    example: '2K',
    description: '1K when left out; 4K costs 2 credits per image',
  })
  @IsOptional()
  @IsIn(RESOLUTIONS, { message: 'resolution must be one of 1K, 2K, 4K' })
  resolution?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_IMAGES_PER_REQUEST,
    example: 1,
    description: 'How many images (each charged); 1 when left out',
  })
  @IsOptional()
  @Max(MAX_IMAGES_PER_REQUEST)
  @Min(1)
  @IsInt({ message: 'number_of_infographs must be a whole number' })
  number_of_infographs?: number;
}
