/**
 * A one-line progress indicator for runs longer than a second: only on a TTY (clean output when
 * piped or in CI logs), rewritten in place, cleared when done.
 */
export interface Progress {
  update(text: string): void;
  done(): void;
}

export function progressLine(stream: NodeJS.WriteStream, label: string, delayMs = 1000): Progress {
  if (!stream.isTTY) return { update: () => {}, done: () => {} };
  const started = Date.now();
  let shown = false;
  return {
    update(text) {
      if (Date.now() - started < delayMs) return;
      shown = true;
      const line = `${label}: ${text}`.slice(0, Math.max(20, (stream.columns ?? 80) - 1));
      stream.write(`\r\x1b[2K${line}`);
    },
    done() {
      if (shown) stream.write('\r\x1b[2K');
    },
  };
}
