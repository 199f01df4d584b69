/**
 * Progress on stderr: a cli-progress bar when stderr is a terminal, otherwise
 * (a log file, CI, a test) one plain line at most every LINE_INTERVAL_MS, so
 * logs are not flooded with redraws.
 */

import { type Output, println } from '@course/trainer';
import cliProgress from 'cli-progress';

const LINE_INTERVAL_MS = 5000;

export interface Progress {
  /** `detail` is shown after the percentage, e.g. "312/1000 examples". */
  update(done: number, total: number, detail: string): void;
  /** Finishes the bar (a no-op for plain lines, and when already stopped). */
  stop(): void;
}

export function startProgress(stderr: Output, label: string): Progress {
  return stderr.isTTY ? barProgress(stderr, label) : lineProgress(stderr, label);
}

function barProgress(stderr: Output, label: string): Progress {
  const bar = new cliProgress.SingleBar(
    {
      // isTTY means stderr is a real tty stream, which is what cli-progress draws on.
      stream: stderr as NodeJS.WritableStream,
      format: `${label} [{bar}] {percentage}% {detail}`,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total, detail) {
      if (!started) {
        bar.start(total, done, { detail });
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done, { detail });
      }
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

function lineProgress(stderr: Output, label: string): Progress {
  let last = Date.now();
  return {
    update(done, total, detail) {
      const now = Date.now();
      if (now - last < LINE_INTERVAL_MS) return;
      last = now;
      const percent = total > 0 ? Math.floor((100 * done) / total) : 0;
      println(stderr, `${label} ${percent}% ${detail}`);
    },
    stop() {},
  };
}
