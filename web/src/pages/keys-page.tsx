import type { PageProps } from './page-props';

/** Placeholder until the page lands. */
export function KeysPage(_props: PageProps) {
  return <h1>Keys</h1>;
}
