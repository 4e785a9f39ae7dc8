import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DatasetSchema, RegisterDatasetRequestSchema } from '@fleetbench/protocol';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { DatasetService } from '../services/dataset.service';
import { CurrentPrincipal, requireAdmin } from '../middleware/auth.guard';
import type { ApiPrincipal } from '../services/auth.service';
import { ApiDoc } from '../utils/openapi.decorators';
import { parseOrThrow } from '../utils/zod';

const UploadQuerySchema = z.object({ name: z.string().min(1).max(200) });

@ApiTags('datasets')
@ApiBearerAuth()
@Controller('datasets')
export class DatasetController {
  constructor(private readonly datasets: DatasetService) {}

  @Post()
  @ApiConsumes('application/json', 'application/x-tar')
  @ApiQuery({ name: 'name', required: false, description: 'for application/x-tar uploads: the dataset name' })
  @ApiDoc({ body: RegisterDatasetRequestSchema, response: DatasetSchema, status: 201, errors: [400, 401, 413] })
  async register(
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @CurrentPrincipal() principal: ApiPrincipal,
  ) {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const upload = type === 'application/x-tar' || type === 'application/octet-stream';
    // Reading files on the hub machine is the admin's: any other token could otherwise learn which files exist.
    if (!upload) requireAdmin(principal, 'register by path (upload the bytes instead)');
    const result = upload
      ? await this.datasets.upload(req, parseOrThrow(UploadQuerySchema, req.query, 'query string').name)
      : await this.datasets.registerFromPath(parseOrThrow(RegisterDatasetRequestSchema, req.body ?? {}));
    res.status(result.created ? 201 : 200);
    return result.dataset;
  }

  @Get()
  @ApiDoc({ response: DatasetSchema.array(), errors: [401] })
  list() {
    return this.datasets.list();
  }

  @Get(':id')
  @ApiDoc({ response: DatasetSchema, errors: [401, 404] })
  get(@Param('id') id: string) {
    return this.datasets.get(id);
  }
}
