import { readFileSync } from 'node:fs';

/** This package's version, written into every generated file's header. */
export const generatorVersion: string = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
).version;
