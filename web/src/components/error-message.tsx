import { describeError } from '../api/gateway-client';

/** An error in words a person understands, with the gateway's own message; announced to screen readers. */
export function ErrorMessage({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  return (
    <p className="error" role="alert">
      {describeError(error)}
    </p>
  );
}
