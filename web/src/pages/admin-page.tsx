import type { PageProps } from './page-props';

/** Placeholder until the page lands. */
export function AdminPage(_props: PageProps) {
  return <h1>Admin</h1>;
}
