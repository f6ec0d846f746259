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
 * The create body, as in the guide. Unknown fields are rejected by the validation pipe.
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
    example: 'https://example.com/blog-post',
    description: 'A public http(s) article to base it on',
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
    example: '16/9',
    default: '16:9',
    description:
      '21:9, 16:9, 3:2, 4:3, 5:4, 1:1, 4:5, 3:4, 2:3, 9:16 (16/9 form accepted), or auto (the model picks)',
  })
  @IsOptional()
  @IsAspectRatio()
  @IsString()
  aspect_ratio?: string;

  @ApiPropertyOptional({
    enum: RESOLUTIONS,
    default: '1K',
    example: '2K',
    description: '4K costs 2 credits per image',
  })
  @IsOptional()
  @IsIn(RESOLUTIONS, { message: 'resolution must be one of 1K, 2K, 4K' })
  resolution?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_IMAGES_PER_REQUEST, default: 1, example: 1 })
  @IsOptional()
  @Max(MAX_IMAGES_PER_REQUEST)
  @Min(1)
  @IsInt({ message: 'number_of_infographs must be a whole number' })
  number_of_infographs?: number;
}
