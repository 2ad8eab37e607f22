import { useState } from 'react';

/**
 * A destructive action behind a second, explicit step: the first press asks, "Yes" acts, "Cancel"
 * (or Escape) backs out. Focus moves to Cancel, the safe choice, so a second Enter never destroys.
 */
export function ConfirmButton({
  label,
  ariaLabel,
  question,
  confirmLabel,
  onConfirm,
  disabled,
}: {
  label: string;
  /** A name that says what is acted on, when the visible label is short ("Revoke"). */
  ariaLabel?: string;
  question: string;
  confirmLabel: string;
  onConfirm: () => void;
  disabled?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" className="danger" onClick={() => setAsking(true)} disabled={disabled} aria-label={ariaLabel}>
        {label}
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label={question} onKeyDown={(event) => event.key === 'Escape' && setAsking(false)}>
      <span>{question}</span>{' '}
      <button
        type="button"
        className="danger"
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </button>{' '}
      <button type="button" className="secondary" autoFocus onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
