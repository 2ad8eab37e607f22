import type { PageProps } from './page-props';

/** Placeholder until the page lands. */
export function PlaygroundPage(_props: PageProps) {
  return <h1>Playground</h1>;
}
