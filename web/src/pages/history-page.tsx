import type { PageProps } from './page-props';

/** Placeholder until the page lands. */
export function HistoryPage(_props: PageProps) {
  return <h1>History</h1>;
}
