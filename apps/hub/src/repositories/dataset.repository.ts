import { Inject, Injectable } from '@nestjs/common';
import type { Dataset, Prisma } from '../../generated/prisma/client';
import type { Db } from '../db/database';
import { DB } from './tokens';

@Injectable()
export class DatasetRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  findById(id: string): Promise<Dataset | null> {
    return this.db.dataset.findUnique({ where: { id } });
  }

  findBySha256(sha256: string): Promise<Dataset | null> {
    return this.db.dataset.findUnique({ where: { sha256 } });
  }

  list(): Promise<Dataset[]> {
    return this.db.dataset.findMany({ orderBy: { createdAt: 'asc' } });
  }

  create(data: Prisma.DatasetUncheckedCreateInput): Promise<Dataset> {
    return this.db.dataset.create({ data });
  }
}
