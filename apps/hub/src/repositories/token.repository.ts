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
      create: { tokenHash, label, admin: true, role: 'admin' },
      update: { admin: true, role: 'admin' },
    });
  }

  /** Deletes every admin token except `keepHash` (their socket tickets go with them); returns how many. */
  async deleteOtherAdminTokens(keepHash: string): Promise<number> {
    const r = await this.db.apiToken.deleteMany({ where: { admin: true, tokenHash: { not: keepHash } } });
    return r.count;
  }

  createNamedApiToken(data: {
    tokenHash: string;
    label: string;
    role: ApiToken['role'];
    expiresAt: Date | null;
  }): Promise<ApiToken> {
    return this.db.apiToken.create({ data: { ...data, admin: false } });
  }

  findApiToken(
    tokenHash: string,
  ): Promise<Pick<ApiToken, 'id' | 'admin' | 'role' | 'expiresAt' | 'lastUsedAt'> | null> {
    return this.db.apiToken.findUnique({
      where: { tokenHash },
      select: { id: true, admin: true, role: true, expiresAt: true, lastUsedAt: true },
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

  /** Stores a socket.io ticket (its sha256) after dropping expired ones and, past `max` unused ones, the oldest. */
  async createSocketTicket(data: { ticketHash: string; tokenId: string; expiresAt: Date }, now: Date, max: number) {
    await this.db.socketTicket.deleteMany({ where: { expiresAt: { lte: now } } });
    const excess = (await this.db.socketTicket.count()) - max + 1;
    if (excess > 0) {
      const oldest = await this.db.socketTicket.findMany({
        select: { ticketHash: true },
        orderBy: [{ expiresAt: 'asc' }, { ticketHash: 'asc' }],
        take: excess,
      });
      await this.db.socketTicket.deleteMany({ where: { ticketHash: { in: oldest.map((t) => t.ticketHash) } } });
    }
    await this.db.socketTicket.create({ data });
  }

  /**
   * Uses up a ticket: the API token id it was minted with when it existed unexpired, else null. Exactly one caller
   * gets it, whichever hub replica it runs on (the delete decides).
   */
  async consumeSocketTicket(ticketHash: string, now: Date): Promise<string | null> {
    const row = await this.db.socketTicket.findUnique({ where: { ticketHash } });
    if (!row) return null;
    const taken = await this.db.socketTicket.deleteMany({ where: { ticketHash } });
    return taken.count === 1 && row.expiresAt.getTime() > now.getTime() ? row.tokenId : null;
  }
}
