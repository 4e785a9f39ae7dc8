import { Inject, Injectable } from '@nestjs/common';
import type { Model, Prisma } from '../../generated/prisma/client';
import type { Db } from '../db/database';
import { DB } from './tokens';

@Injectable()
export class ModelRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  findById(id: string): Promise<Model | null> {
    return this.db.model.findUnique({ where: { id } });
  }

  findBySha256(sha256: string): Promise<Model | null> {
    return this.db.model.findUnique({ where: { sha256 } });
  }

  findByIds(ids: string[]): Promise<Model[]> {
    return this.db.model.findMany({ where: { id: { in: ids } } });
  }

  findByRecipeKeys(keys: string[]): Promise<Model[]> {
    return this.db.model.findMany({ where: { recipeKey: { in: keys } } });
  }

  update(id: string, data: Prisma.ModelUncheckedUpdateInput): Promise<Model> {
    return this.db.model.update({ where: { id }, data });
  }

  list(): Promise<Model[]> {
    return this.db.model.findMany({ orderBy: { createdAt: 'asc' } });
  }

  create(data: Prisma.ModelUncheckedCreateInput): Promise<Model> {
    return this.db.model.create({ data });
  }
}
