import { renderTestImage, type TestImageSpec } from '../src/providers/test/render-test-image.js';
import type { RasterOutputFormat as OutputFormat } from '../src/domain/image-format.js';
import { cpuSnapshot, cpuUsageBetween, otherLoadNote } from './cpu-time.js';
import type { BenchSettings, Scenario } from './scenario.js';
import { elapsedMs, formatInteger, formatMs, markdownTable, summarize } from './stats.js';

const MICROSECONDS_PER_MILLISECOND = 1000;
const WARMUP_ROUNDS = 3;
/** Distinct prompts cycled through, as in the gateway scenario. */
const PROMPT_COUNT = 8;
const CASES: ReadonlyArray<{ edge: number; outputFormat: OutputFormat }> = [
  { edge: 1024, outputFormat: 'webp' },
  { edge: 1024, outputFormat: 'png' },
  { edge: 1024, outputFormat: 'jpeg' },
  { edge: 256, outputFormat: 'webp' },
];

/**
 * What one `test/test` picture costs to render in process, one at a time: the part of the gateway
 * scenario's CPU per request that is drawing and encoding rather than the gateway itself.
 */
export const testRenderScenario: Scenario = {
  name: 'render',
  title: 'Rendering one `test/test` picture (in process)',
  async run(settings, progress) {
    const rows: string[][] = [];
    const scenarioStart = cpuSnapshot();
    for (const { edge, outputFormat } of CASES) {
      progress(`render ${edge}x${edge} ${outputFormat} …`);
      const spec = (round: number): TestImageSpec => ({
        prompt: `bench ${round % PROMPT_COUNT}`,
        width: edge,
        height: edge,
        quality: 'auto',
        outputFormat,
      });
      for (let round = 0; round < WARMUP_ROUNDS; round += 1) await renderTestImage(spec(round));
      const wallMs: number[] = [];
      let bytes = 0;
      const cpuBefore = process.cpuUsage();
      for (let round = 0; round < settings.iterations; round += 1) {
        const startNs = process.hrtime.bigint();
        const image = await renderTestImage(spec(round));
        wallMs.push(elapsedMs(startNs, process.hrtime.bigint()));
        bytes += image.length;
      }
      const cpu = process.cpuUsage(cpuBefore);
      const wall = summarize(wallMs);
      rows.push([
        `${edge}x${edge}`,
        outputFormat,
        formatMs(wall.mean),
        formatMs(wall.p50),
        formatMs((cpu.user + cpu.system) / MICROSECONDS_PER_MILLISECOND / settings.iterations),
        formatInteger(bytes / settings.iterations),
      ]);
    }
    const note = otherLoadNote(cpuUsageBetween(scenarioStart, cpuSnapshot()));
    return [describe(settings), '', markdownTable(COLUMNS, rows), '', note].join('\n');
  },
};

const COLUMNS = [
  { title: 'size' },
  { title: 'output_format' },
  { title: 'mean ms', align: 'right' },
  { title: 'p50 ms', align: 'right' },
  { title: 'CPU ms', align: 'right' },
  { title: 'mean bytes', align: 'right' },
] as const;

function describe(settings: BenchSettings): string {
  return (
    `\`renderTestImage\` (quality auto: 24 shapes and a caption, drawn as one SVG and encoded once; WebP at effort 2) for ` +
    `${PROMPT_COUNT} distinct prompts, ${WARMUP_ROUNDS} untimed rounds then ${settings.iterations} timed ones, one at a time. ` +
    "`CPU ms` is this process's CPU time (all threads) per picture."
  );
}
