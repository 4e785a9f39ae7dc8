import { Inject, Injectable } from '@nestjs/common';
import type { ApiToken, EnrollmentToken } from '../../generated/prisma/client';
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

  /** The admin token (idempotent: the configured one is upserted at every start). */
  async createAdminToken(tokenHash: string, label: string): Promise<void> {
    await this.db.apiToken.upsert({
      where: { tokenHash },
      create: { tokenHash, label, admin: true },
      update: { admin: true },
    });
  }

  createNamedApiToken(data: { tokenHash: string; label: string; expiresAt: Date | null }): Promise<ApiToken> {
    return this.db.apiToken.create({ data: { ...data, admin: false } });
  }

  findApiToken(tokenHash: string): Promise<Pick<ApiToken, 'id' | 'admin' | 'expiresAt' | 'lastUsedAt'> | null> {
    return this.db.apiToken.findUnique({
      where: { tokenHash },
      select: { id: true, admin: true, expiresAt: true, lastUsedAt: true },
    });
  }

  findApiTokenById(id: string): Promise<ApiToken | null> {
    return this.db.apiToken.findUnique({ where: { id } });
  }

  listApiTokens(): Promise<ApiToken[]> {
    return this.db.apiToken.findMany({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  }

  async deleteApiToken(id: string): Promise<boolean> {
    return (await this.db.apiToken.deleteMany({ where: { id } })).count === 1;
  }

  async touchApiToken(id: string, at: Date): Promise<void> {
    await this.db.apiToken.updateMany({ where: { id }, data: { lastUsedAt: at } });
  }

  countAdminTokens(): Promise<number> {
    return this.db.apiToken.count({ where: { admin: true } });
  }
}
