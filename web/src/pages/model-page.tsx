import type { PageProps } from './page-props';

/** Placeholder until the page lands. */
export function ModelPage({ modelId }: PageProps & { modelId: string }) {
  return <h1>{modelId}</h1>;
}
