/** Where a model stands on a given day: served, served with a warning, or gone (410). */
export type LifecycleState = 'active' | 'deprecated' | 'retired';

export interface ModelLifecycle {
  state: LifecycleState;
  /** `YYYY-MM-DD` (UTC) from the catalog, or null. */
  deprecatedOn: string | null;
  retiresOn: string | null;
  /** The model id to use instead, or null. */
  successor: string | null;
}

/** The lifecycle fields of a catalog entry. */
export interface LifecycleFields {
  status: 'active' | 'retired';
  deprecated_on?: string | undefined;
  retires_on?: string | undefined;
  successor?: string | undefined;
}

/** The first instant (epoch ms) of a `YYYY-MM-DD` day in UTC. */
export function startOfUtcDay(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

/**
 * Computed from the dates on every call, never stored: a model retires at 00:00 UTC of its
 * `retires_on` with nobody editing anything. Before that it is deprecated from `deprecated_on`, or
 * from the moment a removal date is known at all. `status: retired` retires a model by hand.
 */
export function modelLifecycle(model: LifecycleFields, now: number): ModelLifecycle {
  const dates = { deprecatedOn: model.deprecated_on ?? null, retiresOn: model.retires_on ?? null, successor: model.successor ?? null };
  if (model.status === 'retired' || (model.retires_on !== undefined && now >= startOfUtcDay(model.retires_on))) {
    return { state: 'retired', ...dates };
  }
  const deprecated = model.deprecated_on !== undefined ? now >= startOfUtcDay(model.deprecated_on) : model.retires_on !== undefined;
  return { state: deprecated ? 'deprecated' : 'active', ...dates };
}

/** The sentence a deprecated model's responses carry, and a retired model's 410 (with the date). */
export function lifecycleMessage(id: string, lifecycle: ModelLifecycle): string {
  const instead = lifecycle.successor === null ? '' : ` Use '${lifecycle.successor}' instead.`;
  if (lifecycle.state === 'retired') {
    const when = lifecycle.retiresOn === null ? '' : ` on ${lifecycle.retiresOn}`;
    return `The model '${id}' was retired${when} and is no longer available.${instead}`;
  }
  const when = lifecycle.retiresOn === null ? ' and may be removed' : ` and will be retired on ${lifecycle.retiresOn}`;
  return `The model '${id}' is deprecated${when}.${instead}`;
}
