import { ApiProperty } from '@nestjs/swagger';

/** `POST /api/ws/ticket/`: connect to `/api/ws?ticket=<ticket>` within `expires_in` seconds, once. */
export class WsTicketResponse {
  @ApiProperty({ example: 'q3JcX0m8d1vYcK1n0m6Vb5f2kqJ8pX9tQ1u4rS7wZ0A' })
  ticket!: string;

  @ApiProperty({ type: 'integer', example: 30 })
  expires_in!: number;
}
