import type { PageProps } from './page-props';

/** Placeholder until the page lands. */
export function UsagePage(_props: PageProps) {
  return <h1>Usage</h1>;
}
