import { DEFAULT_FILTERS, type ModelFilters } from './model-filters';

/*
 * The catalog's filters live in the URL (`/models?q=test&mask=1&sort=price`): back from a model's
 * page returns to the same list, and a filtered list can be shared.
 */

const FLAGS = ['free', 'edit', 'mask', 'available'] as const;
const SORTS: ReadonlyArray<ModelFilters['sort']> = ['date', 'name', 'price'];

export function filtersFromQuery(query: URLSearchParams): ModelFilters {
  const sort = query.get('sort') as ModelFilters['sort'] | null;
  const filters: ModelFilters = {
    ...DEFAULT_FILTERS,
    search: query.get('q') ?? '',
    provider: query.get('provider') ?? '',
    sort: sort !== null && SORTS.includes(sort) ? sort : DEFAULT_FILTERS.sort,
  };
  for (const flag of FLAGS) filters[flag] = query.get(flag) === '1';
  return filters;
}

export function filtersToPath(filters: ModelFilters): string {
  const query = new URLSearchParams();
  if (filters.search !== '') query.set('q', filters.search);
  if (filters.provider !== '') query.set('provider', filters.provider);
  for (const flag of FLAGS) if (filters[flag]) query.set(flag, '1');
  if (filters.sort !== DEFAULT_FILTERS.sort) query.set('sort', filters.sort);
  const text = query.toString();
  return text === '' ? '/models' : `/models?${text}`;
}
