import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';

/** `?token=…` of an unsubscribe link (it names the user and the channel, signed). */
export class UnsubscribeQueryDto {
  @ApiProperty({ description: 'The signed token of the link in the e-mail' })
  @MaxLength(200)
  @IsString()
  token!: string;
}
