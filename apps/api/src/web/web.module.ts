import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';

import { defaultWebRoot, registerWebAssets } from './web-assets';

/** Registers the page's files on the api's Fastify instance (see `registerWebAssets`). */
@Injectable()
export class WebAssets implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /** Runs in `app.init()`, before Fastify is ready: still early enough to add routes. */
  async onModuleInit(): Promise<void> {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    await registerWebAssets(fastify, defaultWebRoot());
  }
}

/**
 * The web page (`apps/web`, built into `dist/web` by `npm run build`) at `/`. Importing this
 * module is all the wiring it needs; without a build, `/` answers 503 saying how to build it.
 */
@Module({ providers: [WebAssets] })
export class WebModule {}
