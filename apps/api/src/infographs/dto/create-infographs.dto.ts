import { FAL_MAX_IMAGES, FAL_RESOLUTIONS } from '@app/fal';
import { normaliseAspectRatio } from '@app/infographs';
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
        'aspect_ratio must be one of 21:9, 16:9, 3:2, 4:3, 5:4, 1:1, 4:5, 3:4, 2:3, 9:16 (16/9 also accepted)',
    },
  });

/** The create body, as in the guide. Unknown fields are rejected by the validation pipe. */
export class CreateInfographsDto {
  @ApiProperty({
    example: 'Create an infographic about climate change',
    minLength: 1,
    maxLength: 4000,
  })
  @IsString()
  @MinLength(1)
  @MaxLength(4000)
  @Matches(/\S/, { message: 'prompt must not be blank' })
  // Postgres text cannot hold NUL, and no real prompt contains one.
  @Matches(/^[^\u0000]*$/, { message: 'prompt must not contain NUL characters' })
  prompt!: string;

  @ApiPropertyOptional({
    example: 'https://example.com/blog-post',
    description: 'A public http(s) article to base it on',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false },
    { message: 'blog_url must be an http:// or https:// URL' },
  )
  blog_url?: string | null;

  @ApiPropertyOptional({
    example: '16/9',
    default: '16:9',
    description: '21:9, 16:9, 3:2, 4:3, 5:4, 1:1, 4:5, 3:4, 2:3 or 9:16 (16/9 form accepted)',
  })
  @IsOptional()
  @IsString()
  @IsAspectRatio()
  aspect_ratio?: string;

  @ApiPropertyOptional({
    enum: FAL_RESOLUTIONS,
    default: '1K',
    example: '2K',
    description: '4K costs 2 credits per image',
  })
  @IsOptional()
  @IsIn(FAL_RESOLUTIONS, { message: 'resolution must be one of 1K, 2K, 4K' })
  resolution?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: FAL_MAX_IMAGES, default: 1, example: 1 })
  @IsOptional()
  @IsInt({ message: 'number_of_infographs must be a whole number' })
  @Min(1)
  @Max(FAL_MAX_IMAGES)
  number_of_infographs?: number;
}
