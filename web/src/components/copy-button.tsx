import { useState } from 'react';

/**
 * Copies `text` to the clipboard. Where the Clipboard API is refused (no secure context, no
 * permission), it selects the text in `fallbackInputId` so the person can press Ctrl+C.
 */
export function CopyButton({ text, fallbackInputId, label = 'Copy' }: { text: string; fallbackInputId: string; label?: string }) {
  const [status, setStatus] = useState('');

  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setStatus('Copied.');
    } catch {
      const input = document.getElementById(fallbackInputId);
      if (input instanceof HTMLInputElement || input instanceof HTMLTextAreaElement) {
        input.focus();
        input.select();
      }
      setStatus('Selected: press Ctrl+C (⌘C) to copy.');
    }
  }

  return (
    <>
      <button type="button" onClick={() => void copy()}>
        {label}
      </button>
      <span className="muted" role="status" aria-live="polite">
        {status}
      </span>
    </>
  );
}
