const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FRAME_INTERVAL_MS = 100;
/** Carriage return, then erase the whole line (ANSI EL 2). */
const CLEAR_LINE = '\r\u001b[2K';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressIndicator {
  stop(): void;
}

/**
 * A spinner with elapsed seconds (`⠋ generating… 12s`) redrawn in place on a terminal. Anywhere
 * else (a log file, CI) it writes one plain line at the start and nothing more: control
 * characters would only garble the log.
 */
export function startProgress(stream: ProgressStream, label: string, now: () => number = Date.now): ProgressIndicator {
  if (stream.isTTY !== true) {
    stream.write(`${label}\n`);
    return { stop: () => undefined };
  }
  const startedAt = now();
  let frame = 0;
  const draw = () => {
    const seconds = Math.floor((now() - startedAt) / 1000);
    stream.write(`\r${FRAMES[frame % FRAMES.length]} ${label} ${seconds}s`);
    frame += 1;
  };
  draw();
  const timer = setInterval(draw, FRAME_INTERVAL_MS);
  // The spinner must never keep the process alive on its own.
  timer.unref();
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      stream.write(CLEAR_LINE);
    },
  };
}
