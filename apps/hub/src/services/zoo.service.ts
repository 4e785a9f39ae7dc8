import { hostname } from 'node:os';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type {
  Model,
  ReferenceMetricsSchema,
  RegisterZooModelsRequest,
  ZooRecipe,
  ZooRegistrationTask,
} from '@fleetbench/protocol';
import { analyseModelIo } from '@fleetbench/protocol';
import {
  describeArchitecture,
  getModel,
  hasArchitecture,
  listBuildableModels,
  listFamilies,
  preprocessingFor,
  RECIPE_FORMAT,
} from '@fleetbench/zoo';
import type { z } from 'zod';
import { ulid } from 'ulid';
import type { Model as ModelRow, ZooTask as ZooTaskRow } from '../../generated/prisma/client';
import type { Logger } from '../logger';
import { ClockRepository } from '../repositories/clock.repository';
import { EventRepository } from '../repositories/event.repository';
import { ModelRepository } from '../repositories/model.repository';
import { LOGGER } from '../repositories/tokens';
import { ZooBuildRepository } from '../repositories/zoo-build.repository';
import { ZooTaskRepository, type ZooTaskChanges } from '../repositories/zoo-task.repository';
import { AppError } from '../utils/app-error';
import { randomSecret } from '../utils/crypto';
import { toModelDto } from '../utils/mappers';

/** Tasks kept for GET …/tasks/:id (oldest finished ones dropped first). */
export const KEEP_TASKS = 200;
/** How often the replica running tasks refreshes their heartbeat. */
export const ZOO_TASK_HEARTBEAT_MS = 10_000;
/** A running task whose heartbeat is older than this is reported failed: the replica running it is gone. */
export const ZOO_TASK_STALE_MS = 60_000;

/** ZooTask.registered: the models registered so far, in request order. */
type RegisteredModel = {
  name: string;
  modelId: string;
};
type TaskError = ZooRegistrationTask['errors'][number];

export function recipeKey(r: ZooRecipe): string {
  return `${r.name}|${r.seed}|${r.variant}|${r.format}`;
}

/** Published top-1/top-5 of the catalogue (PaddleClas 2.0 docs, else the 2.3 overview), labelled as the reference. */
export function zooReferenceMetrics(name: string): z.infer<typeof ReferenceMetricsSchema> | undefined {
  const e = getModel(name);
  if (!e) return undefined;
  const ref = e.reference.top1 !== null ? e.reference : e.v23Reference.top1 !== null ? e.v23Reference : null;
  if (!ref) return undefined;
  return {
    top1: ref.top1!,
    ...(ref.top5 !== null ? { top5: ref.top5 } : {}),
    source: `PaddleClas published reference (pretrained weights; zoo weights are untrained): ${ref.source ?? 'PaddleClas docs'}`,
  };
}

/**
 * Zoo registration: resolves a family, a list or everything to catalogue names, registers known recipes at once
 * (the Model row is the per-recipe sha256 cache, keyed by `recipeKey`) and builds the others one at a time in the
 * background, serial per hub replica, to learn their sha256 and size. Bytes are never kept: agents build them.
 *
 * Tasks live in the database (ZooTask), so any replica answers GET …/tasks/:id. The replica that accepted a task runs
 * it, writes its progress there and refreshes its heartbeat every {@link ZOO_TASK_HEARTBEAT_MS}; a running task whose
 * heartbeat is older than {@link ZOO_TASK_STALE_MS} (its replica died) is reported — and stored — as failed, the
 * models it had not registered listed in `errors`. A replica that shuts down fails its running tasks at once.
 */
@Injectable()
export class ZooService implements OnModuleDestroy {
  /** This replica as the owner of the tasks it runs (host, process, and a random part for several per process). */
  readonly replicaId = `${hostname()}:${process.pid}:${randomSecret(4)}`;
  private queue: Promise<void> = Promise.resolve();
  /** Tasks this replica runs (queued or building): their heartbeats. */
  private readonly running = new Set<string>();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(
    private readonly models: ModelRepository,
    private readonly builder: ZooBuildRepository,
    private readonly events: EventRepository,
    private readonly clock: ClockRepository,
    private readonly tasks: ZooTaskRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Fails the tasks this replica still runs: nobody would finish them. */
  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    this.stopHeartbeat();
    const now = this.clock.now();
    for (const id of this.running) {
      const row = await this.tasks.findById(id);
      if (row?.state !== 'running') continue;
      const changes = this.abandoned(
        row,
        now,
        'the hub replica running this task shut down before building it; register again (registered models count at once)',
      );
      if (await this.tasks.updateRunning(row.id, changes, now))
        this.logger.warn({ taskId: row.id }, 'zoo registration task failed: the hub shuts down');
    }
    this.running.clear();
  }

  /** Names a request selects, in catalogue order (families, all) or request order (names); 400 for unknown ones. */
  resolveNames(req: RegisterZooModelsRequest): string[] {
    if (req.all) return listBuildableModels();
    if (req.family !== undefined) {
      const family = listFamilies().find((f) => f.toLowerCase() === req.family!.toLowerCase());
      if (!family) {
        throw new AppError(
          'unknown-zoo-models',
          `There is no zoo family "${req.family}"; the families are: ${listFamilies().join(', ')}.`,
          {
            unknownFamily: req.family,
            families: listFamilies(),
          },
        );
      }
      const names = listBuildableModels().filter((n) => getModel(n)!.family === family);
      if (!names.length) {
        throw new AppError(
          'unknown-zoo-models',
          `No model of the family ${family} can be built yet (catalogue figures only).`,
          {
            notBuildable: [family],
          },
        );
      }
      return names;
    }
    const names = [...new Set(req.names!)];
    const unknown = names.filter((n) => !getModel(n));
    const notBuildable = names.filter((n) => getModel(n) && !hasArchitecture(n));
    if (unknown.length || notBuildable.length) {
      const parts = [
        unknown.length ? `not in the zoo catalogue: ${unknown.join(', ')}` : '',
        notBuildable.length ? `in the catalogue but without an architecture builder: ${notBuildable.join(', ')}` : '',
      ].filter(Boolean);
      throw new AppError(
        'unknown-zoo-models',
        `Some models cannot be registered (${parts.join('; ')}); nothing was registered. Check the names (case matters).`,
        {
          unknown,
          notBuildable,
        },
      );
    }
    return names;
  }

  /** Starts a registration; the task is already `completed` when every recipe was known. */
  async register(req: RegisterZooModelsRequest): Promise<ZooRegistrationTask> {
    const names = this.resolveNames(req);
    const recipes = names.map((name): ZooRecipe => ({
      name,
      seed: req.seed,
      variant: req.variant,
      format: RECIPE_FORMAT,
    }));
    const known = new Map((await this.models.findByRecipeKeys(recipes.map(recipeKey))).map((m) => [m.recipeKey!, m]));
    const now = this.clock.now();
    const task: ZooRegistrationTask = {
      id: ulid(),
      state: 'running',
      seed: req.seed,
      variant: req.variant,
      names,
      total: names.length,
      done: 0,
      current: null,
      models: [],
      errors: [],
      createdAt: now.toISOString(),
      finishedAt: null,
    };
    const slots: Array<Model | null> = recipes.map((r) => {
      const row = known.get(recipeKey(r));
      return row ? toModelDto(row) : null;
    });
    const pending = recipes.filter((_, i) => !slots[i]);
    const sync = () => {
      task.models = slots.filter((m): m is Model => m !== null);
      task.done = task.models.length;
    };
    /** The task's progress as stored. */
    const changes = (): ZooTaskChanges => ({
      state: task.state,
      done: task.done,
      current: task.current,
      registered: recipes.flatMap((r, i): RegisteredModel[] =>
        slots[i] ? [{ name: r.name, modelId: slots[i].id }] : [],
      ),
      errors: task.errors,
      finishedAt: task.finishedAt ? new Date(task.finishedAt) : null,
    });
    sync();
    if (!pending.length) this.finish(task);
    await this.tasks.create({
      id: task.id,
      seed: task.seed,
      variant: task.variant,
      names: task.names,
      total: task.total,
      ...changes(),
      owner: this.replicaId,
      heartbeatAt: now,
      createdAt: now,
    });
    await this.tasks
      .prune(KEEP_TASKS, new Date(now.getTime() - ZOO_TASK_STALE_MS))
      .catch((err: unknown) => this.logger.warn({ err }, 'old zoo registration tasks not pruned'));
    if (!pending.length) {
      this.finished(task);
      return task;
    }
    this.track(task.id);
    this.logger.info({ taskId: task.id, total: names.length, toBuild: pending.length }, 'zoo registration started');
    /** Stores the progress; false when the task is no longer this replica's to run (failed as stale meanwhile). */
    const save = async () => {
      const kept = await this.tasks.updateRunning(task.id, changes(), this.clock.now());
      if (!kept) this.logger.warn({ taskId: task.id }, 'zoo registration task was failed meanwhile; stopping it');
      return kept;
    };
    this.queue = this.queue
      .then(async () => {
        try {
          for (const recipe of pending) {
            if (this.closing) return;
            task.current = recipe.name;
            if (!(await save())) return;
            this.progress(task);
            try {
              const model = await this.registerOne(recipe);
              slots[recipes.indexOf(recipe)] = model;
            } catch (err) {
              this.logger.warn({ err, name: recipe.name }, 'zoo model could not be registered');
              task.errors.push({ name: recipe.name, message: (err as Error).message });
            }
            sync();
          }
          if (this.closing) return;
          task.current = null;
          this.finish(task);
          if (await save()) this.finished(task);
        } catch (err) {
          this.logger.error({ err, taskId: task.id }, 'zoo registration task failed');
          task.errors.push({ name: task.current ?? '', message: `the task stopped: ${(err as Error).message}` });
          task.current = null;
          this.finish(task);
          await save().catch(() => false);
        } finally {
          this.untrack(task.id);
        }
      })
      .catch((err: unknown) => this.logger.error({ err, taskId: task.id }, 'zoo registration task failed'));
    return task;
  }

  /** A task as stored, whichever replica runs it; a running one whose replica stopped answering comes back failed. */
  async getTask(id: string): Promise<ZooRegistrationTask> {
    let row = await this.tasks.findById(id);
    if (!row) throw AppError.notFound('Zoo registration task', id);
    const now = this.clock.now();
    const staleBefore = new Date(now.getTime() - ZOO_TASK_STALE_MS);
    if (row.state === 'running' && row.heartbeatAt < staleBefore) {
      const at = row.heartbeatAt.toISOString();
      const changes = this.abandoned(
        row,
        now,
        `the hub replica running this task (${row.owner}) stopped answering: no heartbeat since ${at}; ` +
          'register again (registered models count at once)',
      );
      if (await this.tasks.endIfStale(id, staleBefore, changes)) {
        this.logger.warn({ taskId: id, owner: row.owner, heartbeatAt: at }, 'stale zoo registration task failed');
      }
      row = (await this.tasks.findById(id)) ?? row;
    }
    return this.toDto(row);
  }

  /** Resolves once every queued registration of this replica has finished (tests, shutdown). */
  idle(): Promise<void> {
    return this.queue;
  }

  private async registerOne(recipe: ZooRecipe): Promise<Model> {
    const key = recipeKey(recipe);
    // Another task may have registered it while this one waited in the queue.
    const [again] = await this.models.findByRecipeKeys([key]);
    if (again) return toModelDto(again);
    const built = await this.builder.hash(recipe);
    if (built.recipe.format !== recipe.format) {
      throw new Error(`the zoo gave recipe format ${built.recipe.format}, expected ${recipe.format}`);
    }
    const arch = describeArchitecture(recipe.name);
    const data = {
      sha256: built.sha256,
      sizeBytes: BigInt(built.sizeBytes),
      name: recipe.name,
      family: arch.family,
      source: 'zoo' as const,
      inputs: built.inputs.map((t) => ({ ...t, shape: [...t.shape] })),
      outputs: built.outputs.map((t) => ({ ...t, shape: [...t.shape] })),
      ioFacts: analyseModelIo(built.inputs, built.outputs),
      preprocessing: preprocessingFor(recipe.name, recipe.variant),
      referenceMetrics: zooReferenceMetrics(recipe.name),
      flops: arch.flops,
      recipe,
      recipeKey: key,
    };
    const row: ModelRow = await this.models.create(data).catch(async (err: { code?: string }) => {
      if (err.code !== 'P2002') throw err;
      const [byKey] = await this.models.findByRecipeKeys([key]);
      if (byKey) return byKey;
      // The same bytes were uploaded before: that row becomes the zoo model.
      const bySha = await this.models.findBySha256(built.sha256);
      if (!bySha) throw err as Error;
      return this.models.update(bySha.id, {
        source: 'zoo',
        recipe,
        recipeKey: key,
        family: bySha.family ?? arch.family,
      });
    });
    const model = toModelDto(row);
    this.logger.info(
      {
        modelId: model.id,
        name: recipe.name,
        sha256: model.sha256,
        sizeBytes: model.sizeBytes,
        buildMs: built.buildMs,
      },
      'zoo model registered',
    );
    this.events.emit('model.created', model);
    return model;
  }

  private progress(task: ZooRegistrationTask): void {
    const { models: _models, ...rest } = task;
    this.events.emit('zoo.task.updated', { ...rest, names: [...rest.names], errors: [...rest.errors] });
  }

  private finish(task: ZooRegistrationTask): void {
    task.state = task.errors.length ? 'failed' : 'completed';
    task.finishedAt = this.clock.now().toISOString();
  }

  /** Announces a finished task (once it is stored). */
  private finished(task: ZooRegistrationTask): void {
    this.progress(task);
    this.logger.info(
      { taskId: task.id, state: task.state, done: task.done, errors: task.errors.length },
      'zoo registration finished',
    );
  }

  /** The end of a task nobody runs any more: each model it had not registered (nor failed) fails with `reason`. */
  private abandoned(row: ZooTaskRow, now: Date, reason: string): ZooTaskChanges {
    const registered = row.registered as unknown as RegisteredModel[];
    const errors = row.errors as unknown as TaskError[];
    const settled = new Set([...registered.map((r) => r.name), ...errors.map((e) => e.name)]);
    const left = row.names
      .filter((n) => !settled.has(n))
      .map((name) => ({ name, message: `not registered: ${reason}` }));
    const all = [...errors, ...left];
    return {
      state: all.length ? 'failed' : 'completed',
      current: null,
      errors: all,
      finishedAt: now,
    };
  }

  private async toDto(row: ZooTaskRow): Promise<ZooRegistrationTask> {
    const registered = row.registered as unknown as RegisteredModel[];
    const byId = new Map((await this.models.findByIds(registered.map((r) => r.modelId))).map((m) => [m.id, m]));
    return {
      id: row.id,
      state: row.state,
      seed: row.seed,
      variant: row.variant,
      names: row.names,
      total: row.total,
      done: row.done,
      current: row.current,
      models: registered.flatMap((r) => {
        const m = byId.get(r.modelId);
        return m ? [toModelDto(m)] : [];
      }),
      errors: row.errors as unknown as TaskError[],
      createdAt: row.createdAt.toISOString(),
      finishedAt: row.finishedAt?.toISOString() ?? null,
    };
  }

  /** The sign of life of the tasks this replica runs (every {@link ZOO_TASK_HEARTBEAT_MS} while it runs some). */
  async heartbeat(): Promise<void> {
    await this.tasks
      .heartbeat([...this.running], this.clock.now())
      .catch((err: unknown) => this.logger.warn({ err }, 'zoo registration heartbeat failed'));
  }

  private track(id: string): void {
    this.running.add(id);
    this.heartbeatTimer ??= setInterval(() => void this.heartbeat(), ZOO_TASK_HEARTBEAT_MS).unref();
  }

  private untrack(id: string): void {
    this.running.delete(id);
    if (!this.running.size) this.stopHeartbeat();
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }
}
