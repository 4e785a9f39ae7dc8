import { Inject, Injectable } from '@nestjs/common';
import type {
  Model,
  ReferenceMetricsSchema,
  RegisterZooModelsRequest,
  ZooRecipe,
  ZooRegistrationTask,
} from '@fleetbench/protocol';
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
import type { Model as ModelRow } from '../../generated/prisma/client';
import type { Logger } from '../logger';
import { ClockRepository } from '../repositories/clock.repository';
import { EventRepository } from '../repositories/event.repository';
import { ModelRepository } from '../repositories/model.repository';
import { LOGGER } from '../repositories/tokens';
import { ZooBuildRepository } from '../repositories/zoo-build.repository';
import { AppError } from '../utils/app-error';
import { toModelDto } from '../utils/mappers';

/** Finished tasks kept for GET …/tasks/:id (oldest dropped first). */
const KEEP_TASKS = 200;

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
 * background, hub-wide serial, to learn their sha256 and size. Bytes are never kept: agents build them.
 */
@Injectable()
export class ZooService {
  private readonly tasks = new Map<string, ZooRegistrationTask>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly models: ModelRepository,
    private readonly builder: ZooBuildRepository,
    private readonly events: EventRepository,
    private readonly clock: ClockRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

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
      createdAt: this.clock.now().toISOString(),
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
    sync();
    this.remember(task);
    if (!pending.length) {
      this.finish(task);
      return task;
    }
    this.logger.info({ taskId: task.id, total: names.length, toBuild: pending.length }, 'zoo registration started');
    this.queue = this.queue
      .then(async () => {
        for (const recipe of pending) {
          task.current = recipe.name;
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
        task.current = null;
        this.finish(task);
      })
      .catch((err: unknown) => this.logger.error({ err, taskId: task.id }, 'zoo registration task failed'));
    return task;
  }

  getTask(id: string): ZooRegistrationTask {
    const task = this.tasks.get(id);
    if (!task) throw AppError.notFound('Zoo registration task', id);
    return task;
  }

  /** Resolves once every queued registration has finished (tests, shutdown). */
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
    this.progress(task);
    this.logger.info(
      { taskId: task.id, state: task.state, done: task.done, errors: task.errors.length },
      'zoo registration finished',
    );
  }

  private remember(task: ZooRegistrationTask): void {
    this.tasks.set(task.id, task);
    for (const [id, t] of this.tasks) {
      if (this.tasks.size <= KEEP_TASKS) break;
      if (t.state !== 'running') this.tasks.delete(id);
    }
  }
}
