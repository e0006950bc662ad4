/**
 * The error hierarchy: a brand per class (isInstance and instanceof hold across duplicate
 * installs, and a subclass never accepts its siblings or its base), typed codes, and the exit
 * code each error carries for the command line.
 */
import { describe, expect, it } from 'vitest';
import {
  argumentError,
  brandErrorClass,
  errnoError,
  errorCodeOf,
  exitCodeFor,
  syscallError,
  VmciError,
} from '../src/index.js';

class FirstError extends VmciError {}
brandErrorClass(FirstError, 'test.FirstError');
class SecondError extends VmciError {}
brandErrorClass(SecondError, 'test.SecondError');
class UnbrandedError extends VmciError {}

describe('VmciError hierarchy', () => {
  it('VmciError.isInstance accepts its subclasses', () => {
    expect(VmciError.isInstance(new FirstError('ERR_VMCI_UNSUPPORTED', 'x'))).toBe(true);
  });

  it('a subclass isInstance accepts its own errors only, not its base or siblings', () => {
    expect(FirstError.isInstance(new FirstError('ERR_VMCI_UNSUPPORTED', 'x'))).toBe(true);
    expect(FirstError.isInstance(new VmciError('ERR_VMCI_UNSUPPORTED', 'x'))).toBe(false);
    expect(FirstError.isInstance(new SecondError('ERR_VMCI_UNSUPPORTED', 'x'))).toBe(false);
  });

  it('instanceof follows the brands', () => {
    const error = new SecondError('ECONNRESET', 'x');
    expect(error instanceof VmciError).toBe(true);
    expect(error instanceof SecondError).toBe(true);
    expect(error instanceof FirstError).toBe(false);
  });

  it('recognises an error from another copy of the package by its brand', () => {
    // What a second install's class would create: same Symbol.for brands, another prototype.
    const foreign = Object.create(Error.prototype, {
      [Symbol.for('vmci.error.test.FirstError')]: { value: true },
      [Symbol.for('vmci.ffi.error')]: { value: true },
    });
    expect(VmciError.isInstance(foreign)).toBe(true);
    expect(FirstError.isInstance(foreign)).toBe(true);
    expect(SecondError.isInstance(foreign)).toBe(false);
  });

  it('refuses isInstance on a subclass without its own brand (it would accept siblings)', () => {
    expect(() => UnbrandedError.isInstance(new UnbrandedError('ENODEV', 'x'))).toThrow(/no brand/);
  });

  it('does not take plain values or errors for vmci errors', () => {
    expect(VmciError.isInstance(new Error('x'))).toBe(false);
    expect(VmciError.isInstance(null)).toBe(false);
    expect(VmciError.isInstance('ECONNRESET')).toBe(false);
  });
});

describe('exit codes', () => {
  it('bad arguments and addresses exit 2', () => {
    for (const code of [
      'ERR_VMCI_INVALID_ARGUMENT',
      'ERR_VMCI_INVALID_ADDRESS',
      'ERR_OUT_OF_RANGE',
      'ERR_INVALID_ARG_TYPE',
      'ERR_VMCI_USAGE',
    ] as const)
      expect(new VmciError(code, 'x').exitCode).toBe(2);
  });

  it('kernel and runtime errors exit 1', () => {
    expect(errnoError('connect', 104).exitCode).toBe(1);
    expect(new VmciError('ERR_VMCI_MESSAGE_TOO_LARGE', 'x').exitCode).toBe(1);
    expect(exitCodeFor('ERR_SOMETHING_ELSE')).toBe(1);
  });
});

describe('argument errors', () => {
  it("ERR_OUT_OF_RANGE is a RangeError, as net's, and a VmciError", () => {
    const error = argumentError('ERR_OUT_OF_RANGE', 'The value of "msecs" is out of range.');
    expect(error).toBeInstanceOf(RangeError);
    expect(VmciError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE', exitCode: 2 });
  });

  it("ERR_INVALID_ARG_TYPE is a TypeError, as net's, and a VmciError", () => {
    const error = argumentError('ERR_INVALID_ARG_TYPE', 'The "msecs" argument must be …');
    expect(error).toBeInstanceOf(TypeError);
    expect(error instanceof VmciError).toBe(true);
    expect(error.code).toBe('ERR_INVALID_ARG_TYPE');
  });
});

describe('syscall errors and error codes', () => {
  it('writes the kernel message template once: syscall, code, (vsock cid:port), hint', () => {
    const error = syscallError('ECONNRESET', 'connect', 'nobody listens', {
      errno: 104,
      address: { cid: 3, port: 80 },
    });
    expect(error).toBeInstanceOf(VmciError);
    expect(error).toMatchObject({
      code: 'ECONNRESET',
      syscall: 'connect',
      errno: 104,
      address: { cid: 3, port: 80 },
      message: 'connect failed: ECONNRESET (vsock 3:80): nobody listens',
    });
    const bare = syscallError('EINVAL', 'bind', 'bad');
    expect(bare.message).toBe('bind failed: EINVAL: bad');
    expect([bare.address, bare.errno]).toEqual([undefined, undefined]);
  });

  it('errnoError uses the same template', () => {
    const error = errnoError('connect', 111, { address: { cid: 2, port: 9 } });
    expect(error.message).toMatch(/^connect failed: ECONNREFUSED \(vsock 2:9\): /);
  });

  it("errorCodeOf reads a thrown value's string code, or says there is none", () => {
    expect(errorCodeOf(new VmciError('ENOENT', 'x'))).toBe('ENOENT');
    expect(errorCodeOf(Object.assign(new Error('x'), { code: 'ERR_X' }))).toBe('ERR_X');
    expect(
      [null, undefined, 'ENOENT', new Error('x'), { code: '' }, { code: 20 }].map(errorCodeOf),
    ).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
  });
});
