import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  RegisterZooModelsRequestSchema,
  ZooRegistrationTaskSchema,
  type RegisterZooModelsRequest,
} from '@fleetbench/protocol';
import type { Response } from 'express';
import { ZooService } from '../services/zoo.service';
import { ApiDoc } from '../utils/openapi.decorators';
import { ZodPipe } from '../utils/zod';

/**
 * Zoo models as recipes. POST answers 200 with a completed task when every recipe was registered before (instant),
 * else 202 with a running task: the hub builds each new model once, one at a time, to learn its sha256 and size
 * (a small model takes well under a second, ResNeXt101_32x48d_wsl minutes); poll GET …/tasks/:id (any hub replica
 * answers: tasks are stored in the database) or listen to the socket.io events `zoo.task.updated` and `model.created`.
 */
@ApiTags('models')
@ApiBearerAuth()
@Controller('models/zoo')
export class ZooController {
  constructor(private readonly zoo: ZooService) {}

  @Post()
  @ApiDoc({
    body: RegisterZooModelsRequestSchema,
    response: ZooRegistrationTaskSchema,
    status: 202,
    errors: [400, 401],
  })
  async register(
    @Body(new ZodPipe(RegisterZooModelsRequestSchema)) body: RegisterZooModelsRequest,
    @Res({ passthrough: true }) res: Response,
  ) {
    const task = await this.zoo.register(body);
    res.status(task.state === 'running' ? 202 : 200);
    return task;
  }

  @Get('tasks/:id')
  @ApiDoc({ response: ZooRegistrationTaskSchema, errors: [401, 404] })
  task(@Param('id') id: string) {
    return this.zoo.getTask(id);
  }
}
