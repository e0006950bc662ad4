/**
 * The directories of a file transfer in a test (shared by the packages' tests, not shipped): one
 * to send from and one to receive into, fresh for each test and removed after it.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { waitForText } from './wait-for-text.js';

/**
 * A receiving and a sending directory per test (removed after it); `onCreated` gets both. Returns
 * helpers to put a file in the sending directory and to look at the receiving one.
 */
export function useTransferDirs(onCreated: (receivingDir: string, sendingDir: string) => void) {
  let dir = '';
  let sourceDir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vmci-recv-'));
    sourceDir = mkdtempSync(join(tmpdir(), 'vmci-send-'));
    onCreated(dir, sourceDir);
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(sourceDir, { recursive: true, force: true });
  });
  /** What is in the receiving directory (temporary files included). */
  const listing = () => readdirSync(dir).sort();
  return {
    /** Writes a file to send; returns its path. */
    sourceFile(name: string, content: Buffer | string): string {
      const path = join(sourceDir, name);
      writeFileSync(path, content);
      return path;
    },
    listing,
    /** Resolves once the receiver has created its temporary file (it is writing data). */
    partialFileAppears: () => waitForText(() => listing().join('\n'), '.vmci-partial-'),
  };
}
