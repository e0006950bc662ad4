/**
 * The progress bar: drawn in place, throttled, finished with a newline — and only on a terminal.
 */
import { describe, expect, it } from 'vitest';
import {
  createProgressBar,
  formatBytes,
  formatDuration,
  formatProgressLine,
  oneAtATime,
  type ProgressIo,
  wantsProgress,
} from '../src/progress.js';

function fakeClock() {
  let time = 0;
  return { now: () => time, advance: (ms: number) => (time += ms) };
}

describe('progress bar', () => {
  it('shows name, percent, bytes, MB/s and ETA', () => {
    expect(
      formatProgressLine({ name: 'disk.img', done: 4 * 2 ** 20, total: 8 * 2 ** 20, seconds: 2 }),
    ).toBe('disk.img  50% [##########----------] 4.0 MiB/8.0 MiB  2.1 MB/s  ETA 0:02');
  });

  it('redraws in place at most every 100 ms and ends with a newline', () => {
    const clock = fakeClock();
    let err = '';
    const bar = createProgressBar({
      io: { stderr: (text) => (err += text) },
      name: 'f',
      total: 1000,
      now: clock.now,
    });
    bar.update(100);
    bar.update(200); // same instant: throttled
    clock.advance(50);
    bar.update(300); // 50 ms later: throttled
    clock.advance(60);
    bar.update(400);
    bar.finish();
    const draws = err.split('\r').filter(Boolean);
    expect(draws.map((line) => line.trim().split(/\s+/)[1])).toEqual(['10%', '40%', '40%']);
    expect(err.startsWith('\r')).toBe(true);
    expect(err.endsWith('\n')).toBe(true);
    bar.update(1000);
    bar.finish();
    expect(err.split('\n')).toHaveLength(2);
  });

  it('shows 100% for an empty file', () => {
    expect(formatProgressLine({ name: 'e', done: 0, total: 0, seconds: 0 })).toMatch(
      / 100% .* ETA 0:00$/,
    );
  });

  it('is wanted only when stderr is a terminal and --no-progress is absent', () => {
    const io = (stderrIsTTY?: boolean): ProgressIo => ({
      stderr() {},
      ...(stderrIsTTY === undefined ? {} : { stderrIsTTY }),
    });
    expect(wantsProgress(io(true), undefined)).toBe(true);
    expect(wantsProgress(io(true), true)).toBe(false);
    expect(wantsProgress(io(false), undefined)).toBe(false);
    expect(wantsProgress(io(), undefined)).toBe(false);
  });

  it('formats sizes and durations', () => {
    expect([0, 512, 1536, 8 * 2 ** 20, 3 * 2 ** 30].map(formatBytes)).toEqual([
      '0 B',
      '512 B',
      '1.5 KiB',
      '8.0 MiB',
      '3.0 GiB',
    ]);
    expect([0.2, 59, 61, 3661].map(formatDuration)).toEqual(['0:01', '0:59', '1:01', '1:01:01']);
  });
});

describe('oneAtATime', () => {
  it('gives a bar to one transfer at a time', () => {
    const drawn: string[] = [];
    const factory = oneAtATime((name) => ({
      update: () => drawn.push(name),
      finish: () => drawn.push(`${name} done`),
    }));
    const first = factory('first', 10);
    const second = factory('second', 10);
    first.update(1);
    second.update(1);
    first.finish();
    first.finish();
    const third = factory('third', 10);
    third.update(1);
    second.finish();
    third.finish();
    expect(drawn).toEqual(['first', 'first done', 'third', 'third done']);
  });
});
