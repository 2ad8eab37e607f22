import { useEffect, useImperativeHandle, useRef, useState, type PointerEvent, type Ref } from 'react';

/*
 * Paints the area to edit over the first input image. The painted canvas has the image's own
 * pixel size (as displayed, EXIF orientation applied, which is how the gateway measures it) and
 * is only scaled by CSS, so the mask lines up pixel for pixel. The gateway's convention (OpenAI's):
 * the mask is a PNG of that size whose TRANSPARENT pixels mark the area to edit; the rest is opaque.
 */

interface Stroke {
  kind: 'paint' | 'erase' | 'fill';
  /** Line width in image pixels. */
  size: number;
  points: Array<[number, number]>;
}

export interface MaskPainterHandle {
  /** The mask PNG, or null when nothing is painted (then the whole image may change). */
  toMask(): Promise<Blob | null>;
}

const PAINT = '#ff2d55';

export function MaskPainter({ imageUrl, ref }: { imageUrl: string; ref?: Ref<MaskPainterHandle> }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [size, setSize] = useState<{ width: number; height: number } | null>(null);
  const [strokes, setStrokes] = useState<Stroke[]>([]);
  const [brush, setBrush] = useState(40);
  const [erasing, setErasing] = useState(false);
  const drawing = useRef<Stroke | null>(null);

  // A new first image: new pixel size, and the old strokes no longer mean anything.
  const [shownUrl, setShownUrl] = useState(imageUrl);
  if (shownUrl !== imageUrl) {
    setShownUrl(imageUrl);
    setStrokes([]);
    setSize(null);
  }

  // Replays every stroke: undo and clear are just a shorter list.
  useEffect(() => {
    const context = canvas.current?.getContext('2d');
    if (!context || size === null) return;
    context.clearRect(0, 0, size.width, size.height);
    for (const stroke of strokes) drawStroke(context, stroke, size);
  }, [strokes, size]);

  useImperativeHandle(
    ref,
    () => ({
      async toMask() {
        if (strokes.length === 0 || size === null || canvas.current === null) return null;
        const mask = document.createElement('canvas');
        mask.width = size.width;
        mask.height = size.height;
        const context = mask.getContext('2d');
        if (context === null) return null;
        context.fillStyle = '#000';
        context.fillRect(0, 0, size.width, size.height);
        // Where paint is, the opaque mask is cut away: painted = transparent = edit here.
        context.globalCompositeOperation = 'destination-out';
        context.drawImage(canvas.current, 0, 0);
        return new Promise<Blob | null>((resolve) => mask.toBlob(resolve, 'image/png'));
      },
    }),
    [strokes, size],
  );

  const toImagePoint = (event: PointerEvent<HTMLCanvasElement>): [number, number] => {
    const target = event.currentTarget;
    const rect = target.getBoundingClientRect();
    return [((event.clientX - rect.left) * target.width) / rect.width, ((event.clientY - rect.top) * target.height) / rect.height];
  };

  const onPointerDown = (event: PointerEvent<HTMLCanvasElement>) => {
    if (size === null) return;
    event.currentTarget.setPointerCapture(event.pointerId);
    // The slider is in screen pixels: what the brush looks like, whatever the image's resolution.
    const scale = event.currentTarget.width / event.currentTarget.getBoundingClientRect().width;
    drawing.current = { kind: erasing ? 'erase' : 'paint', size: brush * scale, points: [toImagePoint(event)] };
    const context = event.currentTarget.getContext('2d');
    if (context) drawStroke(context, drawing.current, size);
  };
  const onPointerMove = (event: PointerEvent<HTMLCanvasElement>) => {
    const stroke = drawing.current;
    if (stroke === null || size === null) return;
    stroke.points.push(toImagePoint(event));
    const context = event.currentTarget.getContext('2d');
    // Only the newest segment: redrawing the whole stroke per move would darken nothing but cost a lot.
    if (context) drawStroke(context, { ...stroke, points: stroke.points.slice(-2) }, size);
  };
  const onPointerUp = () => {
    const stroke = drawing.current;
    drawing.current = null;
    if (stroke !== null) setStrokes((current) => [...current, stroke]);
  };

  return (
    <div className="mask-painter">
      <div className="row mask-tools" role="toolbar" aria-label="Mask tools">
        <div>
          <label htmlFor="brush-size">Brush size ({brush} px)</label>
          <input id="brush-size" type="range" min={4} max={160} value={brush} onChange={(event) => setBrush(Number(event.target.value))} />
        </div>
        <button type="button" className="secondary" aria-pressed={erasing} onClick={() => setErasing((value) => !value)}>
          Eraser
        </button>
        <button
          type="button"
          className="secondary"
          disabled={strokes.length === 0}
          onClick={() => setStrokes((current) => current.slice(0, -1))}
        >
          Undo
        </button>
        <button type="button" className="secondary" disabled={strokes.length === 0} onClick={() => setStrokes([])}>
          Clear
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => setStrokes((current) => [...current, { kind: 'fill', size: 0, points: [] }])}
        >
          Mask all
        </button>
      </div>
      <p className="hint">
        Paint the area to change; unpainted parts are kept. {strokes.length === 0 ? 'Nothing painted: no mask is sent.' : ''}
      </p>
      {/* Big enough to paint on, never taller than the screen: the canvas scales with the image. */}
      <div
        className="mask-stage"
        style={size === null ? undefined : { width: `min(100%, 36rem, calc(70vh * ${size.width / size.height}))` }}
      >
        <img
          src={imageUrl}
          alt="First input image, to paint the mask on"
          onLoad={(event) => setSize({ width: event.currentTarget.naturalWidth, height: event.currentTarget.naturalHeight })}
        />
        {size !== null && (
          <canvas
            ref={canvas}
            width={size.width}
            height={size.height}
            aria-label="Mask: paint over the area to edit"
            onPointerDown={onPointerDown}
            onPointerMove={onPointerMove}
            onPointerUp={onPointerUp}
            onPointerCancel={onPointerUp}
          />
        )}
      </div>
    </div>
  );
}

function drawStroke(context: CanvasRenderingContext2D, stroke: Stroke, size: { width: number; height: number }): void {
  context.save();
  context.globalCompositeOperation = stroke.kind === 'erase' ? 'destination-out' : 'source-over';
  context.fillStyle = PAINT;
  context.strokeStyle = PAINT;
  if (stroke.kind === 'fill') {
    context.fillRect(0, 0, size.width, size.height);
  } else if (stroke.points.length === 1) {
    const [x, y] = stroke.points[0]!;
    context.beginPath();
    context.arc(x, y, stroke.size / 2, 0, Math.PI * 2);
    context.fill();
  } else {
    context.lineWidth = stroke.size;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    context.beginPath();
    stroke.points.forEach(([x, y], index) => (index === 0 ? context.moveTo(x, y) : context.lineTo(x, y)));
    context.stroke();
  }
  context.restore();
}
