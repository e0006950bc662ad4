/**
 * A connection's fids: each names a file by its path beneath the root and holds an O_PATH
 * descriptor of it (so it keeps naming the same file when others rename things), plus, once
 * opened (`Tlopen` / `Tlcreate`), a real descriptor for I/O and a directory listing for readdir.
 */
import fs from 'node:fs';
import type { Qid } from '../protocol/messages.js';

export interface DirEntry {
  readonly name: string;
  readonly qid: Qid;
  /** `d_type` (DT_DIR 4, DT_REG 8, DT_LNK 10, …). */
  readonly type: number;
}

export interface Fid {
  /** Names from the root to this file (empty for the root). */
  path: string[];
  /** O_PATH descriptor of the file. */
  pathFd: number;
  qid: Qid;
  /** Descriptor for read/write, once opened. */
  openFd?: number | undefined;
  /** Whether the open allows writing. */
  writable?: boolean;
  /** Directory listing taken at readdir offset 0 (offsets index into it). */
  listing?: DirEntry[] | undefined;
}

export class FidTable {
  private readonly fids = new Map<number, Fid>();

  constructor(readonly limit: number) {}

  get size(): number {
    return this.fids.size;
  }

  get(fid: number): Fid | undefined {
    return this.fids.get(fid);
  }

  has(fid: number): boolean {
    return this.fids.has(fid);
  }

  set(fid: number, entry: Fid): void {
    const previous = this.fids.get(fid);
    if (previous && previous !== entry) release(previous);
    this.fids.set(fid, entry);
  }

  /** Forgets a fid and closes its descriptors. */
  delete(fid: number): boolean {
    const entry = this.fids.get(fid);
    if (!entry) return false;
    this.fids.delete(fid);
    release(entry);
    return true;
  }

  /** After a rename: every fid at `from` or beneath it now lives at `to`. */
  renamed(from: readonly string[], to: readonly string[]): void {
    for (const entry of this.fids.values()) {
      if (entry.path.length < from.length) continue;
      if (from.every((name, index) => entry.path[index] === name))
        entry.path = [...to, ...entry.path.slice(from.length)];
    }
  }

  clear(): void {
    for (const entry of this.fids.values()) release(entry);
    this.fids.clear();
  }
}

function release(entry: Fid): void {
  for (const fd of [entry.openFd, entry.pathFd]) {
    if (fd === undefined) continue;
    try {
      fs.closeSync(fd);
    } catch {
      // Already closed: nothing to release.
    }
  }
  entry.openFd = undefined;
}
