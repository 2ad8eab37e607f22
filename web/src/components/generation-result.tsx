import { useState } from 'react';
import { attemptsText, warningText, type Generation } from '../api/generations-api';
import { formatMs, formatUsd } from './format';
import './facts.css';

/** One finished run: its images (download, use as input) and what it cost and took. */
export function GenerationResult({
  generation,
  prompt,
  onUseAsInput,
  canUseAsInput,
}: {
  generation: Generation;
  prompt: string;
  onUseAsInput: (url: string) => void;
  canUseAsInput: boolean;
}) {
  const images = generation.data ?? [];
  return (
    <article className="card result" aria-label={`Result ${generation.id}`}>
      <p className="result-prompt">{prompt === '' ? <em>No prompt</em> : prompt}</p>
      <div className="result-images">
        {images.map((image, index) => (
          <ResultImage
            key={image.url}
            url={image.url}
            label={`Result ${index + 1} of ${generation.model}`}
            onUseAsInput={onUseAsInput}
            canUseAsInput={canUseAsInput}
          />
        ))}
      </div>
      <dl className="facts">
        <dt>Model</dt>
        <dd>{generation.model}</dd>
        <dt>Cost</dt>
        <dd>{formatUsd(generation.cost)}</dd>
        <dt>Latency</dt>
        <dd>{formatMs(generation.latency)}</dd>
        <dt>Attempts</dt>
        <dd>{attemptsText(generation.attempts)}</dd>
        {generation.warnings.length > 0 && (
          <>
            <dt>Warnings</dt>
            <dd>
              <ul>
                {generation.warnings.map((warning, index) => (
                  <li key={index}>{warningText(warning)}</li>
                ))}
              </ul>
            </dd>
          </>
        )}
        <dt>Id</dt>
        <dd>
          <code>{generation.id}</code>
        </dd>
      </dl>
    </article>
  );
}

function ResultImage({
  url,
  label,
  onUseAsInput,
  canUseAsInput,
}: {
  url: string;
  label: string;
  onUseAsInput: (url: string) => void;
  canUseAsInput: boolean;
}) {
  const [size, setSize] = useState<string | null>(null);
  const file = url.split('/').pop() ?? 'image';
  return (
    <figure>
      <img src={url} alt={label} onLoad={(event) => setSize(`${event.currentTarget.naturalWidth}×${event.currentTarget.naturalHeight}`)} />
      <figcaption>
        <span className="muted">{size ?? 'loading…'}</span>{' '}
        <a href={url} download={file}>
          Download
        </a>{' '}
        <button type="button" className="secondary" disabled={!canUseAsInput} onClick={() => onUseAsInput(url)}>
          Use as input
        </button>
      </figcaption>
    </figure>
  );
}
