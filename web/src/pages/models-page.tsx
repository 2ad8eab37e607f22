import type { PageProps } from './page-props';

/** Placeholder until the page lands. */
export function ModelsPage(_props: PageProps) {
  return <h1>Models</h1>;
}
