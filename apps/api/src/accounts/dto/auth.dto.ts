import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsString, MaxLength, MinLength } from 'class-validator';

// The type check of each field comes last: class-validator runs decorators bottom-up, and the
// pipe stops at a field's first problem (see create-infographs.dto.ts). Passwords are only
// bounded here (a 1 MB password would cost scrypt time); their rules, with their own codes, are
// libs/auth password-rules.ts.
const MAX_PASSWORD_INPUT = 1000;

export class SignUpDto {
  @ApiProperty({ format: 'email', example: 'ada@example.com', maxLength: 320 })
  @IsEmail({}, { message: 'email must be an e-mail address' })
  @MaxLength(320)
  @IsString()
  email!: string;

  @ApiProperty({
    example: 'correct horse battery staple',
    description:
      '10–200 characters; not your e-mail address, not a common password, not a simple pattern',
  })
  @MaxLength(MAX_PASSWORD_INPUT)
  @IsString()
  password!: string;
}

export class LoginDto {
  @ApiProperty({ format: 'email', example: 'ada@example.com' })
  @MinLength(1)
  @MaxLength(320)
  @IsString()
  email!: string;

  @ApiProperty({ example: 'correct horse battery staple' })
  @MinLength(1)
  @MaxLength(MAX_PASSWORD_INPUT)
  @IsString()
  password!: string;
}

/** Re-send verification, request a password reset: an address only. */
export class EmailDto {
  @ApiProperty({ format: 'email', example: 'ada@example.com' })
  @IsEmail({}, { message: 'email must be an e-mail address' })
  @MaxLength(320)
  @IsString()
  email!: string;
}

/** The token of a mailed link (the part after `#verify-email=` or `#reset-password=`). */
export class LinkTokenDto {
  @ApiProperty({ example: 'q3JcX0m8d1vYcK1n0m6Vb5f2kqJ8pX9tQ1u4rS7wZ0A' })
  @MinLength(1)
  @MaxLength(200)
  @IsString()
  token!: string;
}

export class ResetPasswordDto extends LinkTokenDto {
  @ApiProperty({ example: 'correct horse battery staple' })
  @MaxLength(MAX_PASSWORD_INPUT)
  @IsString()
  password!: string;
}

/** `DELETE /api/me/`: the password again, so a stolen session or key cannot delete an account. */
export class DeleteAccountDto {
  @ApiProperty({ example: 'correct horse battery staple' })
  @MinLength(1)
  @MaxLength(MAX_PASSWORD_INPUT)
  @IsString()
  password!: string;
}
