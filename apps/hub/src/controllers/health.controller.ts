import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Public } from '../middleware/auth.guard';
import { HealthService } from '../services/health.service';
import { RESULT_REJECTION_REASONS } from '../services/result-acceptance';
import { ApiDoc } from '../utils/openapi.decorators';

const HealthSchema = z.object({
  status: z.literal('ok'),
  db: z.literal('ok'),
  mqtt: z.enum(['ok', 'down']),
  /** Only when the hub runs with REDIS_URL (several replicas). */
  redis: z.enum(['ok', 'down']).optional(),
  /** The broker URL agents get at enrollment. */
  mqttUrl: z.string(),
  version: z.string(),
  /** Result messages this hub process refused since it started: forged, stale or implausible (never stored). */
  resultRejections: z.object({
    total: z.number().int(),
    byReason: z.partialRecord(z.enum(RESULT_REJECTION_REASONS), z.number().int()),
  }),
});

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @Public()
  @ApiDoc({ response: HealthSchema, errors: [503] })
  check() {
    return this.health.check();
  }
}
