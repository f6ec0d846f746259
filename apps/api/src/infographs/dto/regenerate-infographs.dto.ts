import { PartialType } from '@nestjs/swagger';

import { CreateInfographsDto } from './create-infographs.dto';

/**
 * `POST /api/infographs/:id/regenerate/`: the create body with every field optional. A field left
 * out is taken from the infograph it starts from (prompt, blog URL, ratio, resolution); the count
 * defaults to 1. Same rules, same messages, unknown fields refused.
 */
export class RegenerateInfographsDto extends PartialType(CreateInfographsDto) {}
