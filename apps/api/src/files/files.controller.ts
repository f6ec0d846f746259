import { Public } from '@app/auth';
import { LocalStorage } from '@app/storage';
import { Controller, Get, NotFoundException, Optional, Param, Res } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

/** Serves the local storage driver's files at their public URLs (`/files/<key>`). */
@Public()
@ApiTags('files')
@Controller('files')
export class FilesController {
  constructor(@Optional() private readonly storage?: LocalStorage) {}

  @ApiOperation({ summary: 'A stored image (local storage driver only; else images are on R2/S3)' })
  @ApiOkResponse({
    description: 'The image, as fal made it (PNG unless fal sent JPEG or WebP)',
    content: Object.fromEntries(
      ['image/png', 'image/jpeg', 'image/webp'].map((type) => [
        type,
        { schema: { type: 'string', format: 'binary' } },
      ]),
    ),
  })
  @ApiNotFoundResponse({ description: 'No such file' })
  @Get('*')
  async file(@Param('*') key: string, @Res() reply: FastifyReply): Promise<void> {
    const object = this.storage ? await this.storage.read(key).catch(() => null) : null;
    if (!object) {
      throw new NotFoundException(`No file ${key}.`);
    }
    await reply
      .header('content-type', object.contentType)
      .header('content-length', object.size)
      .header('cache-control', object.cacheControl)
      .header('x-content-type-options', 'nosniff')
      .send(object.stream);
  }
}
