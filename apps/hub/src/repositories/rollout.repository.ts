import { Inject, Injectable } from '@nestjs/common';
import type { Prisma } from '../../generated/prisma/client';
import type { Db } from '../db/database';
import { DB } from './tokens';

const withTargets = { targets: { orderBy: { deviceId: 'asc' } } } as const;
export type RolloutRow = Prisma.AgentRolloutGetPayload<{ include: typeof withTargets }>;
export type RolloutTargetRow = RolloutRow['targets'][number];

/** Agent rollouts and their per-device targets. State changes are compare-and-set on the target's state. */
@Injectable()
export class RolloutRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  create(
    data: Omit<Prisma.AgentRolloutUncheckedCreateInput, 'targets'>,
    targets: { deviceId: string; fromVersion: string }[],
  ): Promise<RolloutRow> {
    return this.db.agentRollout.create({
      data: { ...data, targets: { create: targets } },
      include: withTargets,
    });
  }

  findById(id: string): Promise<RolloutRow | null> {
    return this.db.agentRollout.findUnique({ where: { id }, include: withTargets });
  }

  list(take = 50): Promise<RolloutRow[]> {
    return this.db.agentRollout.findMany({ include: withTargets, orderBy: { createdAt: 'desc' }, take });
  }

  /** Targets of a device in the given states, with their rollout. */
  targetsOf(deviceId: string, states: string[]) {
    return this.db.agentRolloutTarget.findMany({
      where: { deviceId, state: { in: states } },
      include: { rollout: true },
      orderBy: { rollout: { createdAt: 'asc' } },
    });
  }

  /** Sent targets whose sentAt is older than `before` plus their rollout's confirmation window (checked by caller). */
  sentTargets() {
    return this.db.agentRolloutTarget.findMany({ where: { state: 'sent' }, include: { rollout: true } });
  }

  /** Moves a target from one of `from` to `to`; false when it was not in such a state (someone else moved it). */
  async transition(
    rolloutId: string,
    deviceId: string,
    from: string[],
    to: string,
    extra: { message?: string | null; sentAt?: Date } = {},
  ): Promise<boolean> {
    const r = await this.db.agentRolloutTarget.updateMany({
      where: { rolloutId, deviceId, state: { in: from } },
      data: { state: to, ...extra },
    });
    return r.count === 1;
  }
}
