import { attemptsText, warningText, type Generation } from '../api/generations-api';
import { formatMs, formatTime, formatUsd } from './format';
import './facts.css';

/** Everything known about one generation from the history: images, prompt, cost, outcome. */
export function GenerationDetails({ generation }: { generation: Generation }) {
  return (
    <>
      {(generation.data ?? []).map((image, index) => (
        <figure key={image.url} className="details-image">
          <img src={image.url} alt={`Image ${index + 1} of generation ${generation.id}`} />
          <figcaption>
            <a href={image.url} download={image.url.split('/').pop()}>
              Download
            </a>
          </figcaption>
        </figure>
      ))}
      <dl className="facts">
        <dt>Prompt</dt>
        <dd>{generation.prompt ?? <span className="muted">not kept (b64_ephemeral)</span>}</dd>
        <dt>Model</dt>
        <dd>{generation.model}</dd>
        <dt>Status</dt>
        <dd className={generation.status === 'error' ? 'error' : generation.status === 'success' ? 'ok' : undefined}>
          {generation.status}
        </dd>
        {generation.error && (
          <>
            <dt>Error</dt>
            <dd className="error">
              {generation.error.message} ({generation.error.status}
              {generation.error.code ? `, ${generation.error.code}` : ''})
            </dd>
          </>
        )}
        <dt>Cost</dt>
        <dd>{formatUsd(generation.cost)}</dd>
        <dt>Latency</dt>
        <dd>{formatMs(generation.latency)}</dd>
        <dt>Provider</dt>
        <dd>{generation.provider ?? '–'}</dd>
        <dt>Attempts</dt>
        <dd>{attemptsText(generation.attempts)}</dd>
        <dt>Created</dt>
        <dd>{formatTime(generation.created)}</dd>
        {generation.warnings.length > 0 && (
          <>
            <dt>Warnings</dt>
            <dd>{generation.warnings.map(warningText).join('; ')}</dd>
          </>
        )}
        <dt>Id</dt>
        <dd>
          <code>{generation.id}</code>
        </dd>
      </dl>
    </>
  );
}
