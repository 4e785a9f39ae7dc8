import { Inject, Injectable } from '@nestjs/common';
import type { EnrollmentToken } from '../../generated/prisma/client';
import type { Db } from '../db/database';
import { DB } from './tokens';

/** Enrollment tokens and API tokens; both stored as sha256 of a high-entropy secret. */
@Injectable()
export class TokenRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  createEnrollmentToken(data: {
    tokenHash: string;
    label: string | null;
    maxUses: number;
    expiresAt: Date;
    tags: string[];
  }): Promise<EnrollmentToken> {
    return this.db.enrollmentToken.create({ data });
  }

  findEnrollmentToken(tokenHash: string): Promise<EnrollmentToken | null> {
    return this.db.enrollmentToken.findUnique({ where: { tokenHash } });
  }

  /** Atomically takes one use; false when expired or used up (a concurrent enroll may have taken the last one). */
  async consumeEnrollmentToken(id: string, now: Date): Promise<boolean> {
    const r = await this.db.enrollmentToken.updateMany({
      where: { id, expiresAt: { gt: now }, uses: { lt: this.db.enrollmentToken.fields.maxUses } },
      data: { uses: { increment: 1 } },
    });
    return r.count === 1;
  }

  async createApiToken(tokenHash: string, label: string): Promise<void> {
    await this.db.apiToken.upsert({ where: { tokenHash }, create: { tokenHash, label }, update: {} });
  }

  async hasApiToken(tokenHash: string): Promise<boolean> {
    return (await this.db.apiToken.findUnique({ where: { tokenHash }, select: { id: true } })) !== null;
  }

  countApiTokens(): Promise<number> {
    return this.db.apiToken.count();
  }
}
