import { Inject, Injectable } from '@nestjs/common';
import type { Prisma, ZooTask, ZooTaskState } from '../../generated/prisma/client';
import type { Db } from '../db/database';
import { DB } from './tokens';

export type ZooTaskRow = ZooTask;
/** What a task's runner (or whoever ends a stale task) changes. */
export interface ZooTaskChanges {
  state?: ZooTaskState;
  done?: number;
  current?: string | null;
  registered?: Prisma.InputJsonValue;
  errors?: Prisma.InputJsonValue;
  finishedAt?: Date | null;
}

/** Zoo registration tasks, shared by every hub replica; the owner changes a task only while it is still running. */
@Injectable()
export class ZooTaskRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  create(data: Prisma.ZooTaskUncheckedCreateInput): Promise<ZooTask> {
    return this.db.zooTask.create({ data });
  }

  findById(id: string): Promise<ZooTask | null> {
    return this.db.zooTask.findUnique({ where: { id } });
  }

  /** Applies `data` (and a fresh heartbeat) while the task is running; false once it is not (finished, or failed as
   *  stale by another replica). */
  async updateRunning(id: string, data: ZooTaskChanges, now: Date): Promise<boolean> {
    const r = await this.db.zooTask.updateMany({
      where: { id, state: 'running' },
      data: { ...data, heartbeatAt: now },
    });
    return r.count === 1;
  }

  /** Ends a running task whose heartbeat is older than `staleBefore` with `data`; false when it was not (any more)
   *  such a task — another replica got there first, or its owner has just shown a sign of life. */
  async endIfStale(id: string, staleBefore: Date, data: ZooTaskChanges): Promise<boolean> {
    const r = await this.db.zooTask.updateMany({
      where: { id, state: 'running', heartbeatAt: { lt: staleBefore } },
      data,
    });
    return r.count === 1;
  }

  /** The owner's sign of life for the tasks it runs. */
  async heartbeat(ids: string[], now: Date): Promise<number> {
    if (!ids.length) return 0;
    const r = await this.db.zooTask.updateMany({
      where: { id: { in: ids }, state: 'running' },
      data: { heartbeatAt: now },
    });
    return r.count;
  }

  /** Keeps (at least) the newest `keep` tasks; older ones go unless they still run (a stale running one goes too). */
  async prune(keep: number, staleBefore: Date): Promise<number> {
    const cut = await this.db.zooTask.findFirst({
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      skip: keep,
      select: { createdAt: true },
    });
    if (!cut) return 0;
    const r = await this.db.zooTask.deleteMany({
      where: {
        createdAt: { lt: cut.createdAt },
        OR: [{ state: { not: 'running' } }, { heartbeatAt: { lt: staleBefore } }],
      },
    });
    return r.count;
  }
}
