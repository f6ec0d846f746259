export { HealthService, type Readiness } from './health.service';
export { type FailureClass, Metrics } from './metrics';
export { ObservabilityModule } from './observability.module';
export { metricsAuthorized } from './metrics-auth';
export {
  RequestLogController,
  bindRequestLoggers,
  createRootLogger,
  loggingModule,
  withLogBindings,
  skipRequestLog,
  requestIdOf,
} from './logging';
