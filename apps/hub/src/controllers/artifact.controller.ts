import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Sha256Schema } from '@fleetbench/protocol';
import type { Request, Response } from 'express';
import { ApiTokenOrAgent } from '../middleware/auth.guard';
import { StorageRepository } from '../repositories/storage.repository';
import { AppError } from '../utils/app-error';
import { parseOrThrow } from '../utils/zod';

/** Parses a single `bytes=a-b` range; null = whole file; 'invalid' = unsatisfiable. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | null | 'invalid' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'invalid';
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  return start > end || start >= size ? 'invalid' : { start, end };
}

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
    const etag = `"${sha256}"`;
    res.setHeader('ETag', etag);
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('Cache-Control', 'private, max-age=31536000, immutable');
    res.setHeader('Content-Type', 'application/octet-stream');
    if (req.headers['if-none-match'] === etag) {
      res.status(304).end();
      return;
    }
    const ifRange = req.headers['if-range'];
    const range = ifRange && ifRange !== etag ? null : parseRange(req.headers.range, stat.size);
    if (range === 'invalid') {
      res.setHeader('Content-Range', `bytes */${stat.size}`);
      throw new AppError('range-not-satisfiable', `The requested range is outside the artifact (${stat.size} bytes).`);
    }
    if (range) {
      res.status(206);
      res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${stat.size}`);
      res.setHeader('Content-Length', String(range.end - range.start + 1));
    } else {
      res.status(200);
      res.setHeader('Content-Length', String(stat.size));
    }
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await new Promise<void>((resolve) => {
      const stream = this.storage.open(sha256, range ?? undefined);
      stream.on('error', () => {
        res.destroy();
        resolve();
      });
      res.on('close', () => {
        stream.destroy();
        resolve();
      });
      stream.pipe(res);
    });
  }
}
