/**
 * A one-line progress bar on stderr — only when stderr is a terminal (never in logs or pipes):
 * name, percent, bytes, MB/s and ETA, redrawn in place with `\r` at most ~10 times a second, and
 * ended with a newline.
 */

/**
 * Where progress bars are drawn: `stderr` is written to, and only when `stderrIsTTY` says it is a
 * terminal (the `vmci` command line passes its own IO).
 */
export interface ProgressIo {
  stderr(text: string): void;
  /** stderr is a terminal: progress bars go there, and only then. */
  readonly stderrIsTTY?: boolean;
}

/** What a transfer reports its progress to. */
export interface TransferProgress {
  /** `done` bytes of the file have been moved so far. */
  update(done: number): void;
  /** Draws the last state (when anything was drawn) and ends the line. */
  finish(): void;
}

/** Starts the progress display of one file of `total` bytes. */
export type ProgressFactory = (name: string, total: number) => TransferProgress;

/** Progress that draws nothing (the default of {@link sendFiles} and {@link receiveFiles}). */
export const noProgress: TransferProgress = { update() {}, finish() {} };

/** What {@link createProgressBar} draws, where, and how often. */
export interface ProgressBarOptions {
  readonly io: Pick<ProgressIo, 'stderr'>;
  readonly name: string;
  readonly total: number;
  /** Milliseconds between redraws (default 100). */
  readonly intervalMs?: number;
  /** Clock in ms (tests pass a fake one). */
  readonly now?: () => number;
  /** Characters in the bar (default 20). */
  readonly width?: number;
}

/** Whether a command shows progress bars: stderr is a terminal and `--no-progress` is absent. */
export function wantsProgress(io: ProgressIo, noProgressOption: unknown): boolean {
  return io.stderrIsTTY === true && noProgressOption !== true;
}

/** A progress factory for `io`, or one that draws nothing when `enabled` is false. */
export function progressFactory(io: ProgressIo, enabled: boolean): ProgressFactory {
  return enabled ? (name, total) => createProgressBar({ io, name, total }) : () => noProgress;
}

/**
 * Hands out a real bar to one transfer at a time (others draw nothing): concurrent transfers
 * (`vmci recv --keep`) would otherwise fight over one terminal line.
 */
export function oneAtATime(factory: ProgressFactory): ProgressFactory {
  let busy = false;
  return (name, total) => {
    if (busy) return noProgress;
    busy = true;
    const bar = factory(name, total);
    let finished = false;
    return {
      update: (done) => bar.update(done),
      finish() {
        if (finished) return;
        finished = true;
        bar.finish();
        busy = false;
      },
    };
  };
}

/**
 * A one-line progress bar for one file of `options.total` bytes, redrawn in place on
 * `options.io.stderr` at most every `intervalMs`; `finish()` draws the last state and ends the line.
 */
export function createProgressBar(options: ProgressBarOptions): TransferProgress {
  const { io, name, total } = options;
  const now = options.now ?? (() => performance.now());
  const interval = options.intervalMs ?? 100;
  const width = options.width ?? 20;
  const started = now();
  let lastDraw = Number.NEGATIVE_INFINITY;
  let lastLength = 0;
  let done = 0;
  let finished = false;

  const draw = () => {
    const line = formatProgressLine({
      name,
      done,
      total,
      seconds: (now() - started) / 1000,
      width,
    });
    // Pad over the rest of a longer previous line instead of relying on terminal escapes.
    io.stderr(`\r${line}${' '.repeat(Math.max(0, lastLength - line.length))}`);
    lastLength = line.length;
    lastDraw = now();
  };

  return {
    update(bytes) {
      if (finished) return;
      done = bytes;
      if (now() - lastDraw >= interval) draw();
    },
    finish() {
      if (finished) return;
      finished = true;
      draw();
      io.stderr('\n');
    },
  };
}

/** `name  42% [########------------] 3.4 MiB/8.0 MiB  12.3 MB/s  ETA 0:01` */
export function formatProgressLine(state: {
  readonly name: string;
  readonly done: number;
  readonly total: number;
  readonly seconds: number;
  readonly width?: number;
}): string {
  const { name, done, total, seconds } = state;
  const width = state.width ?? 20;
  const fraction = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(fraction * width);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
  const rate = seconds > 0 ? done / seconds : 0;
  const eta = done >= total ? '0:00' : rate > 0 ? formatDuration((total - done) / rate) : '--:--';
  const shownName = name.length > 30 ? `${name.slice(0, 29)}…` : name;
  return `${shownName} ${`${Math.floor(fraction * 100)}%`.padStart(4)} ${bar} ${formatBytes(done)}/${formatBytes(total)}  ${(rate / 1e6).toFixed(1)} MB/s  ETA ${eta}`;
}

/** `512 B`, `3.4 KiB`, `8.0 MiB`, `1.2 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** `m:ss`, or `h:mm:ss` from an hour on. */
export function formatDuration(seconds: number): string {
  const whole = Math.ceil(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const secs = String(whole % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${secs}` : `${minutes}:${secs}`;
}
