import { useId } from 'react';
import './bar-chart.css';

export interface ChartSeries {
  name: string;
  /** One value per category, in the categories' order. */
  values: number[];
}

/** Distinguishable on light and dark backgrounds; the last one is for "other". */
export const SERIES_COLORS = ['#6366f1', '#f59e0b', '#10b981', '#ef4444', '#0ea5e9', '#a855f7', '#8a8a9e'];

const WIDTH = 640;
const HEIGHT = 260;
const PAD = { top: 14, right: 10, bottom: 34, left: 86 };

/**
 * A stacked bar chart drawn as SVG (no chart library: the first page stays small). Screen readers
 * get a title and a summary; everyone gets the same numbers as a table under "Show data".
 */
export function BarChart({
  title,
  categories,
  series,
  format,
  axisFormat = format,
}: {
  title: string;
  categories: string[];
  series: ChartSeries[];
  format: (value: number) => string;
  /** Shorter text for the axis, where room is tight. */
  axisFormat?: (value: number) => string;
}) {
  const id = useId();
  const totals = categories.map((_, index) => series.reduce((sum, one) => sum + (one.values[index] ?? 0), 0));
  const max = Math.max(0, ...totals);
  const grand = totals.reduce((sum, value) => sum + value, 0);
  const scaleMax = max === 0 ? 1 : max;
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotWidth / Math.max(1, categories.length);
  const barWidth = Math.max(1, slot * 0.72);
  const y = (value: number) => PAD.top + plotHeight - (value / scaleMax) * plotHeight;
  // Zero, half and the top; the half is left out when it would read the same as either end (small counts).
  const ticks = [0, scaleMax / 2, scaleMax].filter(
    (tick, index, all) => index !== 1 || (axisFormat(tick) !== axisFormat(all[0]!) && axisFormat(tick) !== axisFormat(all[2]!)),
  );
  // A label every few bars so they never overlap; always the last (the newest day), never one too close to it.
  const labelEvery = Math.max(1, Math.ceil(categories.length / 6));
  const summary = `${categories.length} days, total ${format(grand)}, highest ${format(max)}${
    series.length > 1 ? `, by ${series.map((one) => one.name).join(', ')}` : ''
  }.`;

  return (
    <figure className="chart">
      <figcaption id={`${id}-title`}>{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby={`${id}-title ${id}-desc`}>
        <title>{title}</title>
        <desc id={`${id}-desc`}>{summary}</desc>
        {ticks.map((tick) => (
          <g key={tick}>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tick)} y2={y(tick)} className="chart-grid" />
            <text x={PAD.left - 6} y={y(tick) + 4} textAnchor="end" className="chart-label">
              {max === 0 && tick > 0 ? '' : axisFormat(tick)}
            </text>
          </g>
        ))}
        {categories.map((category, index) => {
          let top = PAD.top + plotHeight;
          const x = PAD.left + index * slot + (slot - barWidth) / 2;
          return (
            <g key={category}>
              {series.map((one, seriesIndex) => {
                const value = one.values[index] ?? 0;
                if (value <= 0) return null;
                const height = (value / scaleMax) * plotHeight;
                top -= height;
                return (
                  <rect
                    key={one.name}
                    x={x}
                    y={top}
                    width={barWidth}
                    height={Math.max(height, 1)}
                    fill={SERIES_COLORS[Math.min(seriesIndex, SERIES_COLORS.length - 1)]}
                  >
                    <title>{`${category} · ${one.name}: ${format(value)}`}</title>
                  </rect>
                );
              })}
              {(index % labelEvery === 0 && categories.length - 1 - index >= labelEvery) || index === categories.length - 1 ? (
                <text
                  x={index === categories.length - 1 && categories.length > 1 ? x + barWidth : x + barWidth / 2}
                  y={HEIGHT - 8}
                  textAnchor={index === categories.length - 1 && categories.length > 1 ? 'end' : 'middle'}
                  className="chart-label"
                >
                  {category.slice(5)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      {series.length > 1 ? (
        <ul className="chart-legend" aria-label={`${title}: legend`}>
          {series.map((one, index) => (
            <li key={one.name}>
              <span
                className="swatch"
                style={{ background: SERIES_COLORS[Math.min(index, SERIES_COLORS.length - 1)] }}
                aria-hidden="true"
              />
              {one.name}
            </li>
          ))}
        </ul>
      ) : null}
      <details>
        <summary>Show data: {title}</summary>
        <div className="table-scroll">
          <table>
            <caption className="visually-hidden">{title}</caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                {series.map((one) => (
                  <th scope="col" className="number" key={one.name}>
                    {one.name}
                  </th>
                ))}
                {series.length > 1 ? (
                  <th scope="col" className="number">
                    Total
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {categories.map((category, index) => (
                <tr key={category}>
                  <th scope="row">{category}</th>
                  {series.map((one) => (
                    <td className="number" key={one.name}>
                      {format(one.values[index] ?? 0)}
                    </td>
                  ))}
                  {series.length > 1 ? <td className="number">{format(totals[index] ?? 0)}</td> : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
