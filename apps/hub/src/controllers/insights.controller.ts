import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { TelemetrySampleSchema } from '@fleetbench/protocol';
import { TelemetryHistoryService } from '../services/telemetry-history.service';
import { ApiDoc } from '../utils/openapi.decorators';

/** Read-only views for the dashboard: a device's telemetry history. */
@ApiTags('insights')
@ApiBearerAuth()
@Controller()
export class InsightsController {
  constructor(private readonly telemetry: TelemetryHistoryService) {}

  @Get('devices/:id/telemetry')
  @ApiDoc({
    response: TelemetrySampleSchema.array(),
    errors: [401, 404],
    summary: 'recent telemetry (bounded history in the database, the same on every hub replica; oldest first)',
  })
  deviceTelemetry(@Param('id') id: string) {
    return this.telemetry.history(id);
  }
}
