/**
 * File names that may cross the wire: a plain base name, so a receiver never writes outside its
 * directory or creates a name a shell or terminal would choke on. The receiver refuses (never
 * rewrites) a bad name, so what is stored is exactly what the sender asked for.
 */
import { basename } from 'node:path';
import { TransferError, transferErrorCodes } from './errors.js';

/** Linux NAME_MAX: the longest name a directory entry can have, in bytes. */
export const MAX_NAME_BYTES = 255;

// C0 controls, DEL and C1 controls: invisible or terminal-controlling in a listing.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const controlCharacter = /[\u0000-\u001f\u007f-\u009f]/u;
// A lone UTF-16 surrogate has no UTF-8 form: it would be stored as U+FFFD, another name.
const loneSurrogate = /\p{Cs}/u;

/** Why `name` cannot be used, or undefined when it can. */
export function fileNameProblem(name: string): string | undefined {
  if (typeof name !== 'string') return 'a file name must be a string';
  if (name.length === 0) return 'the file name is empty';
  if (name === '.' || name === '..') return `'${name}' names a directory, not a file`;
  if (name.includes('/') || name.includes('\\'))
    return 'it contains a path separator: only a plain base name is allowed, without directories';
  if (name.includes('\0')) return 'it contains a NUL byte';
  if (controlCharacter.test(name)) return 'it contains a control character';
  if (loneSurrogate.test(name)) return 'it is not valid Unicode (a lone surrogate)';
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_NAME_BYTES)
    return `it is ${bytes} bytes long; names are at most ${MAX_NAME_BYTES} bytes`;
  return undefined;
}

/** Returns `name` when it is a plain base name; throws ERR_VMCI_TRANSFER_NAME_INVALID otherwise. */
export function checkFileName(name: string): string {
  const problem = fileNameProblem(name);
  if (problem !== undefined)
    throw new TransferError(
      transferErrorCodes.nameInvalid,
      `cannot store a file as ${quoteName(name)}: ${problem}; send it under a plain name (--name)`,
    );
  return name;
}

/** The name a local path is sent under by default: its base name. */
export function fileNameForPath(path: string): string {
  return basename(path);
}

/** A name for messages: quoted, with control characters escaped, cut when very long. */
export function quoteName(name: unknown): string {
  const text = typeof name === 'string' ? name : String(name);
  const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return JSON.stringify(shown).replace(/^"|"$/g, "'");
}
