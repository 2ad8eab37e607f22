import type { DailyBreakdown } from '../api/usage-breakdown';
import { BarChart } from './bar-chart';
import { formatUsd } from './format';

/** Daily spend and daily generations, stacked by the breakdown's groups. */
export function UsageCharts({ breakdown, groupName }: { breakdown: DailyBreakdown; groupName: (key: string | null) => string }) {
  const names = breakdown.groups.map(groupName);
  const series = (values: number[][]) => names.map((name, index) => ({ name, values: values[index] ?? [] }));
  return (
    <div className="grid charts">
      <BarChart title="Daily spend (USD)" categories={breakdown.days} series={series(breakdown.cost)} format={formatUsd} />
      <BarChart
        title="Daily generations"
        categories={breakdown.days}
        series={series(breakdown.count)}
        format={(value) => String(Math.round(value))}
      />
    </div>
  );
}
