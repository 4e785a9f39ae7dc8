import { Injectable } from '@nestjs/common';
import { buildModelFiles, type BuiltModelSummary } from '@fleetbench/zoo';
import type { ZooRecipe } from '@fleetbench/protocol';

/**
 * Builds a zoo recipe to learn the sha256 and size of its bytes, writing nothing: in a worker thread when the hub
 * runs compiled (the event loop keeps serving MQTT and HTTP while a 3 GB model builds), inline in tests.
 */
@Injectable()
export class ZooBuildRepository {
  hash(recipe: Omit<ZooRecipe, 'format'>): Promise<BuiltModelSummary> {
    return buildModelFiles({ name: recipe.name, seed: recipe.seed, variant: recipe.variant });
  }
}
