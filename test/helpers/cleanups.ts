/**
 * Per-test resources closed after each test, last opened first (shared by the packages' tests,
 * not shipped). Call it in a `describe` (or at the top of a file) after `useHypervisor()`, so the
 * hypervisor's leak check, registered earlier, runs after these cleanups.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

/** A temporary directory and how to remove it. */
export interface TempDir {
  readonly path: string;
  remove(): void;
}

/** A fresh temporary directory named `prefix…`; `remove()` deletes it. */
export function tempDir(prefix: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Registers an `afterEach` that runs what the test deferred; returns how to defer. */
export function useCleanups(tempDirPrefix = 'vmci-test-') {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const defer = (cleanup: () => unknown) => cleanups.push(cleanup);
  return {
    defer,
    /** Closes `resource` after the test; returns it. */
    closeAfter<T extends { close(): unknown }>(resource: T): T {
      defer(() => resource.close());
      return resource;
    },
    /** A temporary directory removed after the test. */
    tempDir(): TempDir {
      const dir = tempDir(tempDirPrefix);
      defer(() => dir.remove());
      return dir;
    },
  };
}
