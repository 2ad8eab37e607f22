import { useRef, useState, type DragEvent } from 'react';

/** An input image: the file to send and an object URL for its preview. */
export interface InputImage {
  id: string;
  file: File;
  previewUrl: string;
}

let nextId = 0;

export function toInputImage(file: File): InputImage {
  nextId += 1;
  return { id: `input-${nextId}`, file, previewUrl: URL.createObjectURL(file) };
}

/**
 * Drop images here or pick them with the file input (the keyboard's way); previews in order, the
 * first one is the one a mask is painted on. Accepts at most `max`, and says so when more come.
 */
export function ImageDropzone({
  images,
  max,
  onAdd,
  onRemove,
  onDropUrl,
}: {
  images: InputImage[];
  max: number;
  onAdd: (files: File[]) => void;
  onRemove: (id: string) => void;
  /** An image dragged from a page (a result above) arrives as its URL, not as a file. */
  onDropUrl?: (url: string) => void;
}) {
  const [dragging, setDragging] = useState(false);
  const [notice, setNotice] = useState('');
  const input = useRef<HTMLInputElement>(null);
  const room = max - images.length;

  const add = (files: File[]) => {
    const pictures = files.filter((file) => file.type.startsWith('image/'));
    const skipped = files.length - pictures.length;
    const kept = pictures.slice(0, Math.max(0, room));
    const dropped = pictures.length - kept.length;
    setNotice(
      [skipped > 0 ? `${skipped} file(s) are not images.` : '', dropped > 0 ? `This model takes at most ${max} input images.` : '']
        .filter(Boolean)
        .join(' '),
    );
    if (kept.length > 0) onAdd(kept);
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    const files = [...event.dataTransfer.files];
    const url = event.dataTransfer.getData('text/uri-list').split(/\r?\n/)[0];
    if (files.length === 0 && url && onDropUrl) {
      if (room > 0) onDropUrl(url);
      else setNotice(`This model takes at most ${max} input images.`);
      return;
    }
    add(files);
  };

  return (
    <div>
      <div
        className={`dropzone${dragging ? ' dragging' : ''}`}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={(event) => {
          // Moving over the zone's own label or input is not leaving it.
          if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false);
        }}
        onDrop={onDrop}
      >
        <label htmlFor="input-images">
          Input images ({images.length} of at most {max})
        </label>
        <p className="hint">Drop images here, or choose files. The mask is painted on the first one.</p>
        <input
          ref={input}
          id="input-images"
          type="file"
          accept="image/png,image/jpeg,image/webp,image/gif,image/avif"
          multiple
          disabled={room <= 0}
          onChange={(event) => {
            add([...(event.target.files ?? [])]);
            // Picking the same file again must fire `change` again.
            if (input.current) input.current.value = '';
          }}
        />
      </div>
      {notice !== '' && (
        <p className="hint" role="status">
          {notice}
        </p>
      )}
      {images.length > 0 && (
        <ul className="thumbs" aria-label="Input images">
          {images.map((image, index) => (
            <li key={image.id}>
              <img src={image.previewUrl} alt={`Input ${index + 1}: ${image.file.name}`} />
              <button type="button" className="secondary" onClick={() => onRemove(image.id)} aria-label={`Remove input ${index + 1}`}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
