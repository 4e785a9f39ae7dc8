import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  CreateScheduleRequestSchema,
  ScheduleSchema,
  UpdateScheduleRequestSchema,
  type CreateScheduleRequest,
  type UpdateScheduleRequest,
} from '@fleetbench/protocol';
import { ApiDoc } from '../utils/openapi.decorators';
import { ZodPipe } from '../utils/zod';
import { ScheduleService } from './schedule.service';

/** Campaigns repeated on a cron schedule (reading: viewer; changing: operator, like campaigns). */
@ApiTags('campaigns')
@ApiBearerAuth()
@Controller('campaign-schedules')
export class ScheduleController {
  constructor(private readonly schedules: ScheduleService) {}

  @Get()
  @ApiDoc({ response: ScheduleSchema.array(), errors: [401] })
  list() {
    return this.schedules.list();
  }

  @Post()
  @ApiDoc({ body: CreateScheduleRequestSchema, response: ScheduleSchema, status: 201, errors: [400, 401, 403] })
  create(@Body(new ZodPipe(CreateScheduleRequestSchema)) body: CreateScheduleRequest) {
    return this.schedules.create(body);
  }

  @Patch(':id')
  @ApiDoc({ body: UpdateScheduleRequestSchema, response: ScheduleSchema, errors: [400, 401, 403, 404] })
  update(@Param('id') id: string, @Body(new ZodPipe(UpdateScheduleRequestSchema)) body: UpdateScheduleRequest) {
    return this.schedules.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiDoc({ status: 204, errors: [401, 403, 404] })
  async remove(@Param('id') id: string): Promise<void> {
    await this.schedules.delete(id);
  }
}
