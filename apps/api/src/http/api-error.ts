import { HttpException } from '@nestjs/common';

/**
 * An error answer with a stable machine-readable `code` beside the human `message`
 * (`{ statusCode, error, message, code }`): clients branch on the code, people read the message.
 */
export function apiError(status: number, code: string, message: string): HttpException {
  return new HttpException({ message, code }, status);
}
