export { HealthService, type Readiness } from './health.service';
export { ObservabilityModule } from './observability.module';
