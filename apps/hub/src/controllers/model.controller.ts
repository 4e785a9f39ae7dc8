import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiQuery, ApiTags } from '@nestjs/swagger';
import {
  ModelSchema,
  PreprocessingSpecSchema,
  ReferenceMetricsSchema,
  RegisterModelRequestSchema,
} from '@fleetbench/protocol';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { ModelService } from '../services/model.service';
import { CurrentPrincipal, requireAdmin } from '../middleware/auth.guard';
import type { ApiPrincipal } from '../services/auth.service';
import { ApiDoc } from '../utils/openapi.decorators';
import { parseOrThrow } from '../utils/zod';

const jsonParam = <S extends z.ZodType>(schema: S) =>
  z
    .string()
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'expected JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);

/** Upload metadata arrives as query parameters: the protocol's registration fields, with numbers and objects as text. */
const UploadQuerySchema = RegisterModelRequestSchema.omit({ path: true }).extend({
  flops: z.coerce.number().nonnegative().optional(),
  preprocessing: jsonParam(PreprocessingSpecSchema).optional(),
  referenceMetrics: jsonParam(ReferenceMetricsSchema).optional(),
  useProposedPreset: z
    .enum(['true', 'false', '1', '0'])
    .transform((v) => v === 'true' || v === '1')
    .optional(),
});

@ApiTags('models')
@ApiBearerAuth()
@Controller('models')
export class ModelController {
  constructor(private readonly models: ModelService) {}

  @Post()
  @ApiConsumes('application/json', 'application/octet-stream')
  @ApiQuery({
    name: 'name',
    required: false,
    description:
      'for octet-stream uploads (also family, flops, expectedSha256, preprocessing, referenceMetrics as JSON, useProposedPreset=true)',
  })
  @ApiDoc({ body: RegisterModelRequestSchema, response: ModelSchema, status: 201, errors: [400, 401, 413] })
  async register(
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @CurrentPrincipal() principal: ApiPrincipal,
  ) {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const upload = type === 'application/octet-stream';
    // Reading files on the hub machine is the admin's: any other token could otherwise learn which files exist.
    if (!upload) requireAdmin(principal, 'register by path (upload the bytes instead)');
    const result = upload
      ? await this.models.upload(req, parseOrThrow(UploadQuerySchema, req.query, 'query string'))
      : await this.models.registerFromPath(parseOrThrow(RegisterModelRequestSchema, req.body ?? {}));
    res.status(result.created ? 201 : 200);
    return result.model;
  }

  @Get()
  @ApiDoc({ response: ModelSchema.array(), errors: [401] })
  list() {
    return this.models.list();
  }

  @Get(':id')
  @ApiDoc({ response: ModelSchema, errors: [401, 404] })
  get(@Param('id') id: string) {
    return this.models.get(id);
  }
}
