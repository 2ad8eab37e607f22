import { useCallback, useMemo } from 'react';
import { fetchCatalog, type CatalogModel } from '../api/models-api';
import { ErrorMessage } from '../components/error-message';
import { filterModels, priceText, providersOf, type ModelFilters } from '../components/model-filters';
import { filtersFromQuery, filtersToPath } from '../components/model-filters-url';
import { useAsync } from '../components/use-async';
import { Link, navigate, useLocation } from '../router';
import type { PageProps } from './page-props';
import './models-page.css';

/** The model catalog: search, filters and sort over every model this gateway knows. */
export function ModelsPage({ client }: PageProps) {
  const catalog = useAsync(useCallback((signal: AbortSignal) => fetchCatalog(client, signal), [client]));
  const { query } = useLocation();
  const filters = filtersFromQuery(query);
  const models = catalog.status === 'ok' ? catalog.value : null;
  const providers = useMemo(() => (models === null ? [] : providersOf(models)), [models]);
  const shown = models === null ? [] : filterModels(models, filters);
  // Replace, not push: each keystroke in the search box is not a step back.
  const set = <K extends keyof ModelFilters>(name: K, value: ModelFilters[K]) =>
    navigate(filtersToPath({ ...filters, [name]: value }), { replace: true });

  return (
    <section aria-labelledby="models-title">
      <h1 id="models-title">Models</h1>
      <form className="card filters" role="search" aria-label="Filter models" onSubmit={(event) => event.preventDefault()}>
        <div className="row">
          <div>
            <label htmlFor="model-search">Search</label>
            <input id="model-search" type="search" value={filters.search} onChange={(event) => set('search', event.target.value)} />
          </div>
          <div>
            <label htmlFor="model-provider">Provider</label>
            <select id="model-provider" value={filters.provider} onChange={(event) => set('provider', event.target.value)}>
              <option value="">Any</option>
              {providers.map((provider) => (
                <option key={provider}>{provider}</option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="model-sort">Sort by</label>
            <select id="model-sort" value={filters.sort} onChange={(event) => set('sort', event.target.value as ModelFilters['sort'])}>
              <option value="date">Newest</option>
              <option value="name">Name</option>
              <option value="price">Price (lowest first)</option>
            </select>
          </div>
        </div>
        <fieldset className="checks">
          <legend>Only</legend>
          <Check id="filter-free" label="Free" checked={filters.free} onChange={(value) => set('free', value)} />
          <Check id="filter-edit" label="Supports edit" checked={filters.edit} onChange={(value) => set('edit', value)} />
          <Check id="filter-mask" label="Supports mask" checked={filters.mask} onChange={(value) => set('mask', value)} />
          <Check id="filter-available" label="Available here" checked={filters.available} onChange={(value) => set('available', value)} />
        </fieldset>
      </form>
      {catalog.status === 'loading' && <p aria-live="polite">Loading models…</p>}
      <ErrorMessage error={catalog.status === 'error' ? catalog.error : null} />
      {models !== null && (
        <>
          <p className="muted" aria-live="polite">
            {shown.length} of {models.length} models
          </p>
          <ul className="model-list" aria-label="Models">
            {shown.map((model) => (
              <ModelCard key={model.id} model={model} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function Check({ id, label, checked, onChange }: { id: string; label: string; checked: boolean; onChange: (value: boolean) => void }) {
  return (
    <span className="check">
      <input id={id} type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} />
      <label htmlFor={id}>{label}</label>
    </span>
  );
}

function ModelCard({ model }: { model: CatalogModel }) {
  const { capabilities } = model;
  return (
    <li className="card model-card">
      <h2>
        <Link to={`/models/${model.id}`}>{model.id}</Link>
      </h2>
      {model.name !== undefined && model.name !== model.id && <p className="muted">{model.name}</p>}
      <p>
        <strong>{priceText(model.price)}</strong> <span className="muted">per image</span>
      </p>
      <ul className="badges" aria-label="Capabilities">
        {capabilities.edit && <li>edit ≤ {capabilities.max_input_images} images</li>}
        {capabilities.mask && <li>mask</li>}
        {capabilities.max_n > 1 && <li>n ≤ {capabilities.max_n}</li>}
        {model.status === 'retired' && <li className="warn">retired</li>}
        <li className={model.available ? 'ok' : 'warn'}>{model.available ? 'available' : 'no provider configured'}</li>
      </ul>
      <p className="muted">
        {model.providers.map((route) => route.id).join(', ')} · {model.release_date}
      </p>
    </li>
  );
}
