import { ApiProperty } from '@nestjs/swagger';

import { MeResponse } from '../../me/dto/me.response';

/** An answer that only tells the user something (sign-up, reset request, verification). */
export class MessageResponse {
  @ApiProperty({ example: 'Check your e-mail: we sent a link to confirm your address.' })
  message!: string;
}

/** `POST /api/auth/login/` and `GET /api/auth/session/`: who is signed in, and the CSRF token. */
export class SessionResponse {
  @ApiProperty({ type: MeResponse })
  user!: MeResponse;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'Jb3kY7fQ2c9mX1nV0pR5sT8uW4zA6dE3gH2jK9lM1oQ',
    description:
      'Send it as X-CSRF-Token with every POST, PUT, PATCH and DELETE made with the session cookie; null when the request used an Authorization header instead (no CSRF token needed)',
  })
  csrf_token!: string | null;
}
