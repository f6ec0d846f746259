import { createServer, Server } from 'node:http';

import { AppConfig } from '@app/config';
import { HealthService, Metrics, metricsAuthorized, type Readiness } from '@app/observability';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';

import { CircuitState, FalCircuitBreaker } from '../fal-breaker/fal-circuit-breaker';

/** The stores' readiness, plus the fal circuit breaker's state. */
interface WorkerReadiness {
  status: Readiness['status'] | 'degraded';
  checks: Readiness['checks'] & { fal_circuit: CircuitState };
}

/**
 * The worker has no HTTP api; this tiny server exposes the same `/health/live`, `/health/ready`
 * and `/metrics` as the api on `WORKER_HEALTH_PORT`, for orchestrators and `npm start`'s supervisor.
 */
@Injectable()
export class HealthServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('WorkerHealth');
  private server?: Server;

  constructor(
    private readonly health: HealthService,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
    private readonly breaker: FalCircuitBreaker,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '');
      const send = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      if (req.method !== 'GET') {
        send(405, {
          statusCode: 405,
          error: 'Method Not Allowed',
          message: 'Only GET is served here.',
        });
      } else if (path === '/health/live') {
        send(200, { status: 'ok' });
      } else if (path === '/metrics') {
        if (!metricsAuthorized(this.config.metrics.token, req.headers.authorization)) {
          send(401, {
            statusCode: 401,
            error: 'Unauthorized',
            message: 'Send Authorization: Bearer <METRICS_TOKEN>.',
          });
          return;
        }
        this.metrics.registry.metrics().then(
          (text) =>
            res.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(text),
          (error: unknown) => send(500, { status: 'error', error: String(error) }),
        );
      } else if (path === '/health/ready') {
        this.readiness().then(
          (r) => send(r.status === 'error' ? 503 : 200, r),
          (error: unknown) => send(503, { status: 'error', error: String(error) }),
        );
      } else {
        send(404, { statusCode: 404, error: 'Not Found', message: `No route ${path}.` });
      }
    });
    const { healthPort } = this.config.worker;
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(healthPort, this.config.api.host, () => resolve());
    });
    this.logger.log(`worker health on http://${this.config.api.host}:${this.port()}/health/ready`);
  }

  /**
   * An open fal circuit makes the worker `degraded` but still ready (200): it keeps uploading,
   * notifying and reconciling, and restarting it or holding back a deploy (a new FAL_KEY!) would
   * not bring fal back. The alert comes from `ainfographic_fal_circuit_open`.
   */
  private async readiness(): Promise<WorkerReadiness> {
    const [stores, falCircuit] = await Promise.all([this.health.readiness(), this.breaker.state()]);
    const held = falCircuit.state === 'open' || falCircuit.state === 'half-open';
    return {
      status: stores.status === 'ok' && held ? 'degraded' : stores.status,
      checks: { ...stores.checks, fal_circuit: falCircuit },
    };
  }

  /** The bound port (differs from the setting when it is 0, as in tests). */
  port(): number {
    const address = this.server?.address();
    return typeof address === 'object' && address ? address.port : this.config.worker.healthPort;
  }

  async onApplicationShutdown(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
}
