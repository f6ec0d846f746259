import { Public } from '@app/auth';
import { LocalStorage } from '@app/storage';
import { Controller, Get, NotFoundException, Optional, Param, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

/** Serves the local storage driver's files at their public URLs (`/files/<key>`). */
@Public()
@ApiTags('files')
@Controller('files')
export class FilesController {
  constructor(@Optional() private readonly storage?: LocalStorage) {}

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
