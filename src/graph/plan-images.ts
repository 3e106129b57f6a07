// Planning with the base images in hand: an image's ONBUILD triggers can read from more stages and images
// (BuildKit's testOnBuildNewDeps), which are known only once its config is, so planning repeats until the
// images it needs are all resolved.
import type { Dockerfile } from '../../grammar/index.js';
import { planStages } from './stages.js';
import type { BaseImageConfig, GraphOptions, StagePlan } from './types.js';

export interface PlannedImages<T> {
  plan: StagePlan;
  /** Every ref of `plan.imageRefs`, resolved once each. */
  images: Map<string, T>;
}

/**
 * `resolve` looks an image up (the engine's store); `configOf` gives its config, undefined when unknown (then
 * its triggers are too). Each ref is resolved once, in first-use order.
 */
export async function planWithBaseImages<T>(
  ast: Dockerfile,
  options: GraphOptions,
  resolve: (ref: string) => Promise<T>,
  configOf: (image: T) => BaseImageConfig | undefined,
): Promise<PlannedImages<T>> {
  const images = new Map<string, T>();
  const configs = new Map<string, BaseImageConfig>();
  let plan = planStages(ast, options);
  for (;;) {
    const missing = plan.imageRefs.filter((ref) => !images.has(ref));
    if (missing.length === 0) return { plan, images };
    for (const ref of missing) {
      const image = await resolve(ref);
      images.set(ref, image);
      const config = configOf(image);
      if (config !== undefined) configs.set(ref, config);
    }
    plan = planStages(ast, { ...options, baseImages: configs });
  }
}
