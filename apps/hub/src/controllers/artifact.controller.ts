import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Sha256Schema } from '@fleetbench/protocol';
import type { Request, Response } from 'express';
import { ApiTokenOrAgent } from '../middleware/auth.guard';
import { StorageRepository } from '../repositories/storage.repository';
import { AppError } from '../utils/app-error';
import { sendStoredFile } from '../utils/send-stored-file';
import { parseOrThrow } from '../utils/zod';

@ApiTags('artifacts')
@ApiBearerAuth()
@ApiBasicAuth()
@Controller('artifacts')
export class ArtifactController {
  constructor(private readonly storage: StorageRepository) {}

  @Get(':sha256')
  @ApiTokenOrAgent()
  @ApiProduces('application/octet-stream')
  @ApiResponse({ status: 200, description: 'the bytes; supports Range and ETag' })
  async download(@Param('sha256') sha: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const sha256 = parseOrThrow(Sha256Schema, sha, 'artifact id');
    const stat = await this.storage.stat(sha256);
    if (!stat) throw AppError.notFound('Artifact', sha256);
    await sendStoredFile(req, res, {
      path: this.storage.pathOf(sha256),
      sha256,
      contentType: 'application/octet-stream',
      cacheControl: 'private, max-age=31536000, immutable',
      ranges: true,
      what: 'artifact',
    });
  }
}
