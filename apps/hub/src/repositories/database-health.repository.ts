import { Inject, Injectable } from '@nestjs/common';
import type { Db } from '../db/database';
import { DB } from './tokens';

/** Whether the database answers (GET /health). */
@Injectable()
export class DatabaseHealthRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  async reachable(): Promise<boolean> {
    try {
      await this.db.$queryRawUnsafe('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }
}
