import type { DailyBreakdown } from '../api/usage-breakdown';
import { BarChart } from './bar-chart';
import { formatUsd } from './format';

/** Daily spend and daily generations, stacked by the breakdown's groups. */
export function UsageCharts({ breakdown, groupName }: { breakdown: DailyBreakdown; groupName: (key: string | null) => string }) {
  const names = breakdown.groups.map(groupName);
  const series = (values: number[][]) => names.map((name, index) => ({ name, values: values[index] ?? [] }));
  return (
    <div className="grid charts">
      <BarChart
        title="Daily spend (USD)"
        categories={breakdown.days}
        series={series(breakdown.cost)}
        format={formatUsd}
        axisFormat={(usd) => (usd > 0 && usd < 0.01 ? `$${usd.toPrecision(2)}` : formatUsd(usd))}
      />
      <BarChart
        title="Daily generations"
        categories={breakdown.days}
        series={series(breakdown.count)}
        format={(value) => String(Math.round(value))}
        axisFormat={(value) => (Number.isInteger(value) ? String(value) : value.toFixed(1))}
      />
    </div>
  );
}
