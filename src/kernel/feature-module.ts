import type { FeatureOperations } from '../core/operation.ts';
import type { CallerContext } from './caller.ts';
import type { Engine } from './engine.ts';

/**
 * A feature as the composition root assembles it: its declarations, and the factory of its
 * library API for one caller. `setup` runs once per store (background work registers its stop
 * in `engine.onClose`) and what it returns is handed to every `create`.
 */
export interface FeatureModule<Operations extends FeatureOperations = FeatureOperations, Api extends object = object, State = undefined> {
  operations: Operations;
  /** Once per store, with the store's options (a feature reads the part that is its own). */
  setup?(engine: Engine, options: FeatureSetupOptions): State;
  /** The feature's methods, acting for `bound` (or the ambient caller). The root governs every one of them. */
  create(engine: Engine, bound: CallerContext | undefined, state: State): Api;
}

/** The store options as features see them at setup: each reads its own part by name. */
export type FeatureSetupOptions = Readonly<Record<string, unknown>>;

/** Declares a feature module, keeping its literal types for the `Strata` interface the root derives. */
export function defineFeature<Operations extends FeatureOperations, Api extends object, State = undefined>(
  module: FeatureModule<Operations, Api, State>,
): FeatureModule<Operations, Api, State> {
  return module;
}
