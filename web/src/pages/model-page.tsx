import { useCallback } from 'react';
import { fetchModel, fetchModelRoutes, type CatalogModel, type ModelRoute } from '../api/models-api';
import { ErrorMessage } from '../components/error-message';
import { formatMs } from '../components/format';
import { priceText } from '../components/model-filters';
import { useAsync } from '../components/use-async';
import { Link } from '../router';
import type { PageProps } from './page-props';
import './models-page.css';
import '../components/facts.css';

/** One model: what it can do, what it costs, which routes serve it and how they are doing. */
export function ModelPage({ client, modelId }: PageProps & { modelId: string }) {
  const model = useAsync(useCallback((signal: AbortSignal) => fetchModel(client, modelId, signal), [client, modelId]));
  const routes = useAsync(useCallback((signal: AbortSignal) => fetchModelRoutes(client, modelId, signal), [client, modelId]));

  return (
    <section aria-labelledby="model-title">
      <p>
        <Link to="/models">← All models</Link>
      </p>
      <h1 id="model-title">{modelId}</h1>
      {model.status === 'loading' && <p aria-live="polite">Loading…</p>}
      <ErrorMessage error={model.status === 'error' ? model.error : null} />
      {model.status === 'ok' && <ModelDetails model={model.value} />}
      <h2>Routes</h2>
      {routes.status === 'loading' && <p aria-live="polite">Loading routes…</p>}
      <ErrorMessage error={routes.status === 'error' ? routes.error : null} />
      {routes.status === 'ok' && <RoutesTable routes={routes.value.routes} />}
    </section>
  );
}

function ModelDetails({ model }: { model: CatalogModel }) {
  const { capabilities } = model;
  const sizes = capabilities.sizes ?? [`any from ${capabilities.size_range.min} to ${capabilities.size_range.max} px per edge`];
  return (
    <>
      {model.name !== undefined && <p className="lead">{model.name}</p>}
      {model.description !== undefined && <p>{model.description}</p>}
      {model.status === 'retired' && <p className="error">Retired. {model.retired_message}</p>}
      <p>
        <Link to={`/playground?model=${encodeURIComponent(model.id)}`} className="button">
          Try it
        </Link>
      </p>
      <dl className="facts">
        <dt>Price per image</dt>
        <dd>{priceText(model.price)}</dd>
        <dt>Available here</dt>
        <dd>{model.available ? 'yes' : 'no: none of its providers is configured on this gateway'}</dd>
        <dt>Edit (input images)</dt>
        <dd>{capabilities.edit ? `yes, up to ${capabilities.max_input_images}` : 'no'}</dd>
        <dt>Mask (inpainting)</dt>
        <dd>{capabilities.mask ? 'yes' : 'no'}</dd>
        <dt>Images per request</dt>
        <dd>up to {capabilities.max_n}</dd>
        <dt>Sizes</dt>
        <dd>{sizes.join(', ')}</dd>
        <dt>Qualities</dt>
        <dd>{capabilities.qualities.join(', ')}</dd>
        {capabilities.parameters.length > 0 && (
          <>
            <dt>Extra parameters</dt>
            <dd>{capabilities.parameters.join(', ')}</dd>
          </>
        )}
        {model.aliases.length > 0 && (
          <>
            <dt>Aliases</dt>
            <dd>{model.aliases.join(', ')}</dd>
          </>
        )}
        <dt>Released</dt>
        <dd>{model.release_date}</dd>
      </dl>
    </>
  );
}

const BREAKER_TEXT: Record<NonNullable<ModelRoute['breaker']>, string> = {
  closed: 'healthy',
  half_open: 'recovering',
  open: 'failing (paused)',
};

function RoutesTable({ routes }: { routes: ModelRoute[] }) {
  if (routes.length === 0) return <p>No routes.</p>;
  return (
    <div className="table-scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">Provider</th>
            <th scope="col">Upstream model</th>
            <th scope="col">Configured</th>
            <th scope="col">Price per image</th>
            <th scope="col">Health</th>
            <th scope="col" className="number">
              Error rate
            </th>
            <th scope="col" className="number">
              p50 latency
            </th>
            <th scope="col" className="number">
              Recent calls
            </th>
          </tr>
        </thead>
        <tbody>
          {routes.map((route) => (
            <tr key={`${route.provider} ${route.upstream_model}`}>
              <td>{route.provider}</td>
              <td>{route.upstream_model}</td>
              <td className={route.configured ? 'ok' : 'error'}>{route.configured ? 'yes' : 'no'}</td>
              <td>{priceText(route.price)}</td>
              <td className={route.breaker === 'open' ? 'error' : route.breaker === 'closed' ? 'ok' : undefined}>
                {route.breaker === null ? 'no calls yet' : BREAKER_TEXT[route.breaker]}
              </td>
              <td className="number">{route.error_rate === null ? '–' : `${(route.error_rate * 100).toFixed(1)} %`}</td>
              <td className="number">{formatMs(route.p50_latency_ms)}</td>
              <td className="number">{route.recent_calls ?? '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
