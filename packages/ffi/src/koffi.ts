/**
 * koffi, loaded on first use: importing @vmci/ffi must work on platforms where no syscall will be
 * made (and where koffi's native module may be missing).
 */
import { createRequire } from 'node:module';

type Koffi = typeof import('koffi').default;

let loaded: Koffi | undefined;

export function koffi(): Koffi {
  loaded ??= createRequire(import.meta.url)('koffi') as Koffi;
  return loaded;
}
