import { isPlainObject } from './operator-config.js';

/**
 * An operator override over a built-in model: objects merge key by key, arrays and scalars
 * replace. Replacing arrays is deliberate: merging `routes` item by item would make it impossible
 * to remove a route. An object whose `type` changes (pricing `table` → `fixed`) replaces too,
 * since the fields of one kind mean nothing to another.
 */
export function mergeModelOverride(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  if ('type' in override && 'type' in base && override['type'] !== base['type']) return override;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    merged[key] = key in base ? mergeModelOverride(base[key], value) : value;
  }
  return merged;
}
