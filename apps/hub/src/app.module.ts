import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import type { BrokerAuthority } from './broker/broker.types';
import type { HubConfig } from './config';
import { ChangeRepository } from './changes/change.repository';
import { SecretBox } from './repositories/secret-box.repository';
import { ChangeWatchService } from './changes/change-watch.service';
import { ChangesController } from './changes/changes.controller';
import { ChangesService } from './changes/changes.service';
import { RegressionWebhookService } from './changes/regression-webhook.service';
import { ScheduleController } from './schedules/schedule.controller';
import { ScheduleRepository } from './schedules/schedule.repository';
import { ScheduleService } from './schedules/schedule.service';
import { AgentPackageController } from './controllers/agent-package.controller';
import { ApiTokenController } from './controllers/api-token.controller';
import { ArtifactController } from './controllers/artifact.controller';
import { BrokerHookController } from './controllers/broker-hook.controller';
import { CampaignController } from './controllers/campaign.controller';
import { CampaignReportController } from './controllers/campaign-report.controller';
import { DatasetController } from './controllers/dataset.controller';
import { DeviceController } from './controllers/device.controller';
import { EnrollmentController } from './controllers/enrollment.controller';
import { EventsGateway } from './controllers/events.gateway';
import { HealthController } from './controllers/health.controller';
import { InsightsController } from './controllers/insights.controller';
import { LeaderboardController } from './controllers/leaderboard.controller';
import { ModelController } from './controllers/model.controller';
import { ResultController } from './controllers/result.controller';
import { ZooController } from './controllers/zoo.controller';
import type { Db } from './db/database';
import type { Logger } from './logger';
import { AuthGuard } from './middleware/auth.guard';
import { ErrorFilter } from './middleware/error.filter';
import { AgentPackageRepository } from './repositories/agent-package.repository';
import { CampaignRepository } from './repositories/campaign.repository';
import { CampaignReportRepository } from './repositories/campaign-report.repository';
import { ClockRepository } from './repositories/clock.repository';
import { DatasetRepository } from './repositories/dataset.repository';
import { DeviceRepository } from './repositories/device.repository';
import { EventRepository } from './repositories/event.repository';
import { HardwareClassRepository } from './repositories/hardware-class.repository';
import { JobRepository } from './repositories/job.repository';
import { ModelRepository } from './repositories/model.repository';
import { MqttRepository } from './repositories/mqtt.repository';
import { RolloutRepository } from './repositories/rollout.repository';
import { DatabaseHealthRepository } from './repositories/database-health.repository';
import { LeaderboardRepository } from './repositories/leaderboard.repository';
import { ResultRepository } from './repositories/result.repository';
import { RUNTIME, type HubRuntime } from './repositories/runtime';
import { StorageRepository } from './repositories/storage.repository';
import { TelemetryRepository } from './repositories/telemetry.repository';
import { TokenRepository } from './repositories/token.repository';
import { ZooBuildRepository } from './repositories/zoo-build.repository';
import { ZooTaskRepository } from './repositories/zoo-task.repository';
import { BROKER_AUTHORITY, DB, HUB_CONFIG, LOGGER } from './repositories/tokens';
import { AgentPackageService } from './services/agent-package.service';
import { ApiTokenService } from './services/api-token.service';
import { AuthService } from './services/auth.service';
import { BrokerHookService } from './services/broker-hook.service';
import { CampaignService } from './services/campaign.service';
import { CampaignReportService } from './services/campaign-report.service';
import { DatasetService } from './services/dataset.service';
import { DeviceService } from './services/device.service';
import { DispatcherService } from './services/dispatcher.service';
import { EnrollmentService } from './services/enrollment.service';
import { HealthService } from './services/health.service';
import { IngestService } from './services/ingest.service';
import { LeaderboardService } from './services/leaderboard.service';
import { ModelService } from './services/model.service';
import { RolloutService } from './services/rollout.service';
import { RateLimitService } from './services/rate-limit.service';
import { ResultService } from './services/result.service';
import { ZooService } from './services/zoo.service';
import { TelemetryHistoryService } from './services/telemetry-history.service';
import { TelemetryIngestService } from './services/telemetry-ingest.service';

export const controllers = [
  HealthController,
  EnrollmentController,
  DeviceController,
  ModelController,
  ArtifactController,
  DatasetController,
  CampaignController,
  CampaignReportController,
  ResultController,
  InsightsController,
  ZooController,
  ApiTokenController,
  LeaderboardController,
  BrokerHookController,
  AgentPackageController,
  ChangesController,
  ScheduleController,
];
export const repositories = [
  AgentPackageRepository,
  CampaignRepository,
  CampaignReportRepository,
  ClockRepository,
  DatasetRepository,
  DeviceRepository,
  EventRepository,
  HardwareClassRepository,
  JobRepository,
  ModelRepository,
  MqttRepository,
  ResultRepository,
  LeaderboardRepository,
  DatabaseHealthRepository,
  RolloutRepository,
  StorageRepository,
  TelemetryRepository,
  TokenRepository,
  ZooBuildRepository,
  ZooTaskRepository,
  ChangeRepository,
  ScheduleRepository,
  SecretBox,
];
export const services = [
  AgentPackageService,
  ApiTokenService,
  AuthService,
  BrokerHookService,
  CampaignService,
  CampaignReportService,
  DatasetService,
  DeviceService,
  DispatcherService,
  EnrollmentService,
  HealthService,
  IngestService,
  ModelService,
  ResultService,
  RolloutService,
  RateLimitService,
  LeaderboardService,
  TelemetryHistoryService,
  TelemetryIngestService,
  ZooService,
  ChangeWatchService,
  ChangesService,
  RegressionWebhookService,
  ScheduleService,
];

export interface AppDeps {
  config: HubConfig;
  db: Db;
  logger: Logger;
  runtime: HubRuntime;
  brokerAuthority: BrokerAuthority;
}

/** One module, immich style: controllers → services → repositories/ports; externals come in as values. */
@Module({})
export class AppModule {
  static forRoot(deps: AppDeps): DynamicModule {
    return {
      module: AppModule,
      controllers,
      providers: [
        { provide: HUB_CONFIG, useValue: deps.config },
        { provide: DB, useValue: deps.db },
        { provide: LOGGER, useValue: deps.logger },
        { provide: RUNTIME, useValue: deps.runtime },
        { provide: BROKER_AUTHORITY, useValue: deps.brokerAuthority },
        ...repositories,
        ...services,
        EventsGateway,
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
    };
  }
}
