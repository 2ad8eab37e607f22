import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { startGeneration, waitForGeneration, type Generation } from '../api/generations-api';
import { fetchCatalog, type CatalogModel } from '../api/models-api';
import { ErrorMessage } from '../components/error-message';
import { GenerationResult } from '../components/generation-result';
import { ImageDropzone, toInputImage, type InputImage } from '../components/image-dropzone';
import { MaskPainter, type MaskPainterHandle } from '../components/mask-painter';
import { priceText } from '../components/model-filters';
import { sizeOptions } from '../components/size-options';
import { useAsync } from '../components/use-async';
import { useElapsedSeconds } from '../components/use-elapsed';
import { navigate, useLocation } from '../router';
import type { PageProps } from './page-props';
import './playground-page.css';

/** Raster formats in the order offered; a vector model offers its own (`svg`) instead. */
const RASTER_FORMATS = ['webp', 'png', 'jpeg'];

interface Run {
  generation: Generation;
  prompt: string;
}

/**
 * Results outlive a visit to another page of this tab (not a reload): iterating on them is the
 * point. Tied to the key, so signing in with another one starts empty.
 */
const kept: { key: string | null; runs: Run[] } = { key: null, runs: [] };

/** Try a model: prompt, options, input images and a painted mask; results stay on the page to iterate on. */
export function PlaygroundPage({ client, refreshMe }: PageProps) {
  const catalog = useAsync(useCallback((signal: AbortSignal) => fetchCatalog(client, signal), [client]));
  if (catalog.status === 'loading') return <p aria-live="polite">Loading models…</p>;
  if (catalog.status === 'error') return <ErrorMessage error={catalog.error} />;
  return <Playground client={client} refreshMe={refreshMe} models={catalog.value} />;
}

function Playground({ client, refreshMe, models }: Pick<PageProps, 'client' | 'refreshMe'> & { models: CatalogModel[] }) {
  const { query } = useLocation();
  const sorted = [...models].sort((a, b) => Number(b.available) - Number(a.available) || a.id.localeCompare(b.id));
  // The URL names the model (so "Try it" and a reload land on it); otherwise the first available.
  const model = models.find((candidate) => candidate.id === query.get('model')) ?? sorted[0];
  const [prompt, setPrompt] = useState('');
  const [size, setSize] = useState('auto');
  const [quality, setQuality] = useState('auto');
  const [outputFormat, setOutputFormat] = useState('webp');
  const [n, setN] = useState(1);
  const [images, setImages] = useState<InputImage[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [runs, setRuns] = useState<Run[]>(() => (kept.key === client.key ? kept.runs : []));
  const painter = useRef<MaskPainterHandle>(null);
  const running = useRef<AbortController | null>(null);
  const elapsed = useElapsedSeconds(busy);

  useEffect(() => {
    kept.key = client.key;
    kept.runs = runs;
  }, [client.key, runs]);

  // Leaving the page stops polling and frees the previews.
  const imagesRef = useRef(images);
  useEffect(() => {
    imagesRef.current = images;
  }, [images]);
  useEffect(
    () => () => {
      running.current?.abort();
      for (const image of imagesRef.current) URL.revokeObjectURL(image.previewUrl);
    },
    [],
  );

  if (model === undefined) return <p>This gateway has no models.</p>;
  const capabilities = model.capabilities;
  const maxImages = capabilities.max_input_images;
  const usedImages = images.slice(0, maxImages);
  const effectiveQuality = capabilities.qualities.includes(quality) ? quality : 'auto';
  const effectiveN = Math.min(Math.max(1, n), capabilities.max_n);
  const sizes = sizeOptions(capabilities);
  const outputFormats = RASTER_FORMATS.filter((format) => capabilities.output_formats.includes(format));
  const formatChoices = outputFormats.length > 0 ? outputFormats : capabilities.output_formats;
  const effectiveOutputFormat = formatChoices.includes(outputFormat) ? outputFormat : (formatChoices[0] ?? 'webp');
  // A size typed for another model is not sent to one with a fixed list.
  const effectiveSize = capabilities.sizes === null ? size.trim() || 'auto' : sizes.includes(size) ? size : 'auto';
  const selected = model;

  const addFiles = (files: File[]) => setImages((current) => [...current, ...files.map(toInputImage)].slice(0, Math.max(maxImages, 0)));
  const removeImage = (id: string) =>
    setImages((current) => {
      const gone = current.find((image) => image.id === id);
      if (gone) URL.revokeObjectURL(gone.previewUrl);
      return current.filter((image) => image.id !== id);
    });

  const takeAsInput = async (url: string) => {
    let blob: Blob;
    try {
      // Same origin only (the dashboard's CSP): results are hosted by this gateway.
      const response = await fetch(url);
      if (!response.ok) throw new Error(`The image could not be read back (the gateway answered ${response.status}).`);
      blob = await response.blob();
    } catch (caught) {
      setError(
        caught instanceof TypeError
          ? new Error('Only images hosted by this gateway can be dropped here; save it and choose the file instead.')
          : caught,
      );
      return;
    }
    if (!blob.type.startsWith('image/')) {
      setError(new Error('That is not an image.'));
      return;
    }
    setError(null);
    addFiles([new File([blob], url.split('/').pop() ?? 'result', { type: blob.type })]);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const controller = new AbortController();
    running.current = controller;
    setError(null);
    setBusy(true);
    try {
      const mask = capabilities.mask && usedImages.length > 0 ? ((await painter.current?.toMask()) ?? null) : null;
      const id = await startGeneration(
        client,
        {
          model: selected.id,
          prompt,
          size: effectiveSize,
          quality: effectiveQuality,
          output_format: effectiveOutputFormat,
          n: effectiveN,
          images: usedImages.map((image) => image.file),
          mask,
        },
        controller.signal,
      );
      const generation = await waitForGeneration(client, id, controller.signal);
      setRuns((current) => [{ generation, prompt }, ...current]);
      refreshMe();
    } catch (caught) {
      if (!(caught instanceof DOMException && caught.name === 'AbortError')) setError(caught);
    } finally {
      if (running.current === controller) running.current = null;
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="playground-title">
      <h1 id="playground-title">Playground</h1>
      <form className="card playground" onSubmit={submit}>
        <label htmlFor="prompt">Prompt</label>
        <textarea
          id="prompt"
          rows={3}
          value={prompt}
          aria-describedby="prompt-hint"
          onChange={(event) => setPrompt(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) event.currentTarget.form?.requestSubmit();
          }}
        />
        <p id="prompt-hint" className="hint">
          Ctrl+Enter runs it.
        </p>
        <div className="row">
          <div className="field-model">
            <label htmlFor="model">Model</label>
            <select
              id="model"
              value={model.id}
              onChange={(event) => navigate(`/playground?model=${encodeURIComponent(event.target.value)}`, { replace: true })}
            >
              {sorted.map((candidate) => (
                <option key={candidate.id} value={candidate.id}>
                  {candidate.id}
                  {candidate.available ? '' : ' (not available here)'}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="size">Size</label>
            {capabilities.sizes === null ? (
              <>
                <input id="size" list="size-suggestions" value={size} size={11} onChange={(event) => setSize(event.target.value)} />
                <datalist id="size-suggestions">
                  {sizes.map((option) => (
                    <option key={option} value={option} />
                  ))}
                </datalist>
              </>
            ) : (
              <select id="size" value={effectiveSize} onChange={(event) => setSize(event.target.value)}>
                {sizes.map((option) => (
                  <option key={option}>{option}</option>
                ))}
              </select>
            )}
          </div>
          <div>
            <label htmlFor="quality">Quality</label>
            <select id="quality" value={effectiveQuality} onChange={(event) => setQuality(event.target.value)}>
              {capabilities.qualities.map((option) => (
                <option key={option}>{option}</option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="output-format">Output format</label>
            <select id="output-format" value={effectiveOutputFormat} onChange={(event) => setOutputFormat(event.target.value)}>
              {formatChoices.map((option) => (
                <option key={option}>{option}</option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="n">Images (n)</label>
            <input
              id="n"
              type="number"
              min={1}
              max={capabilities.max_n}
              value={effectiveN}
              onChange={(event) => setN(Number(event.target.value))}
            />
          </div>
        </div>
        <p className="hint">
          {priceText(model.price)} per image
          {capabilities.sizes === null
            ? ` · any size from ${capabilities.size_range.min} to ${capabilities.size_range.max} px per edge`
            : ''}
          {model.available ? '' : ' · no provider for this model is configured on this gateway'}
        </p>
        {maxImages > 0 ? (
          <ImageDropzone
            images={usedImages}
            max={maxImages}
            onAdd={addFiles}
            onRemove={removeImage}
            onDropUrl={(url) => void takeAsInput(url)}
          />
        ) : (
          <p className="hint">This model takes no input images.</p>
        )}
        {capabilities.mask && usedImages[0] !== undefined && <MaskPainter ref={painter} imageUrl={usedImages[0].previewUrl} />}
        <div className="row">
          <button type="submit" disabled={busy}>
            {busy ? 'Running…' : usedImages.length > 0 ? 'Edit' : 'Generate'}
          </button>
          {busy && (
            <>
              <span role="status" aria-live="polite">
                Running for {elapsed} s…
              </span>
              <button type="button" className="secondary" onClick={() => running.current?.abort()}>
                Stop waiting
              </button>
            </>
          )}
        </div>
        <ErrorMessage error={error} />
      </form>
      {runs.length > 0 && (
        <section aria-labelledby="results-title">
          <h2 id="results-title">Results</h2>
          {runs.map((run) => (
            <GenerationResult
              key={run.generation.id}
              generation={run.generation}
              prompt={run.prompt}
              onUseAsInput={(url) => void takeAsInput(url)}
              canUseAsInput={usedImages.length < maxImages}
            />
          ))}
        </section>
      )}
    </section>
  );
}
