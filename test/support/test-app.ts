import { AppConfig, loadConfig } from '@app/config';
import type { INestApplicationContext } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { __resetOutOfContextForTests } from 'nestjs-pino/PinoLogger';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DestinationStream } from 'pino';
import type { DataSource } from 'typeorm';

import { createApiApp } from '../../apps/api/src/create-api-app';
import { checkAgainstContract, loadContract } from './contract-check';

/** The run's settings (scratch database and Redis prefix from global setup) plus overrides. */
export function testConfig(overrides: Record<string, string> = {}): AppConfig {
  return loadConfig({ ...process.env, API_PORT: '0', WORKER_HEALTH_PORT: '0', ...overrides });
}

export interface TestApi {
  app: NestFastifyApplication;
  config: AppConfig;
  url: string;
  dataSource: DataSource;
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * Why this response is not checked against the OpenAPI document (contract-check.ts): only for
   * servers that are not the api (the worker's health port) or deliberately raw requests.
   */
  skipContractCheck?: string;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  body: any;
}

/**
 * Boots the real api in-process on an ephemeral loopback port. With `logDestination`, its log
 * lines go there (pass `LOG_LEVEL` too: tests run silent).
 */
export async function startTestApi(
  overrides: Record<string, string> = {},
  options: { logDestination?: DestinationStream } = {},
): Promise<TestApi> {
  const config = testConfig(overrides);
  await loadContract();
  if (options.logDestination) {
    takeOverOutOfContextLogs();
  }
  const app = await createApiApp(config, options);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    config,
    url,
    dataSource: dataSourceOf(app),
    request: (method, path, options = {}) => httpRequest(url, method, path, options),
    close: () => app.close(),
  };
}

/**
 * nestjs-pino sends every line logged outside a request (or job) to the first root logger made in
 * the process, so of several apps in one test file only the first one's would be read. Resetting
 * it makes the next app's root logger the one those lines go to: call it just before making the
 * app whose lines a test reads.
 */
export function takeOverOutOfContextLogs(): void {
  __resetOutOfContextForTests();
}

export function dataSourceOf(app: INestApplicationContext): DataSource {
  return app.get<DataSource>(getDataSourceToken());
}

export async function httpRequest(
  base: string,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<TestResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) {
    headers.authorization = `Token ${options.token}`;
  }
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  const response = await fetch(`${base}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  const answer = { status: response.status, headers: response.headers, body: parsed };
  await checkAgainstContract(
    {
      method,
      path,
      status: answer.status,
      contentType: response.headers.get('content-type'),
      body: parsed,
    },
    options.skipContractCheck,
  );
  return answer;
}
