/**
 * File names that may cross the wire: plain base names only, refused (never rewritten) otherwise.
 */
import { describe, expect, it } from 'vitest';
import { TransferError } from '../src/errors.js';
import { checkFileName, fileNameForPath, fileNameProblem } from '../src/name.js';

describe('checkFileName', () => {
  it.each([
    'report.pdf',
    '.hidden',
    'a..b',
    'with space',
    'ünïcödé-名前.txt',
    '😀',
    'x'.repeat(255),
  ])('accepts %j', (name) => {
    expect(checkFileName(name)).toBe(name);
  });

  it.each([
    ['', /empty/],
    ['.', /directory/],
    ['..', /directory/],
    ['../x', /path separator/],
    ['a/b', /path separator/],
    ['/etc/passwd', /path separator/],
    ['..\\x', /path separator/],
    ['a\0b', /NUL/],
    ['line\nbreak', /control character/],
    ['tab\there', /control character/],
    ['esc\u001b[31m', /control character/],
    ['del\u007f', /control character/],
    ['c1\u0085', /control character/],
    ['lone\ud800', /lone surrogate/],
    ['x'.repeat(256), /256 bytes long/],
    ['é'.repeat(128), /256 bytes long/],
  ])('refuses %j', (name, reason) => {
    let error: unknown;
    try {
      checkFileName(name);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TransferError);
    expect(error).toMatchObject({ code: 'ERR_VMCI_TRANSFER_NAME_INVALID' });
    expect((error as Error).message).toMatch(reason);
    expect((error as Error).message).toMatch(/--name/);
  });

  it('escapes control characters when quoting a refused name', () => {
    expect(() => checkFileName('a\nb')).toThrow("cannot store a file as 'a\\nb'");
  });

  it('says nothing is wrong with a good name', () => {
    expect(fileNameProblem('ok.txt')).toBeUndefined();
  });
});

describe('fileNameForPath', () => {
  it('sends a path under its base name', () => {
    expect(fileNameForPath('/var/log/app/today.log')).toBe('today.log');
    expect(fileNameForPath('relative/dir/file.bin')).toBe('file.bin');
    expect(fileNameForPath('plain')).toBe('plain');
  });
});
