/**
 * `systemdListenFds()`: reading systemd's socket-activation variables (sd_listen_fds semantics).
 */
import { describe, expect, it } from 'vitest';
import { systemdListenFds } from '../src/index.js';

describe('systemdListenFds', () => {
  it('returns nothing when the process was not socket-activated', () => {
    expect(systemdListenFds({ env: {}, pid: 42 })).toEqual([]);
  });

  it('numbers the descriptors from 3 and pairs them with their names', () => {
    const env = { LISTEN_PID: '42', LISTEN_FDS: '2', LISTEN_FDNAMES: 'api:admin' };
    expect(systemdListenFds({ env, pid: 42 })).toEqual([
      { fd: 3, name: 'api' },
      { fd: 4, name: 'admin' },
    ]);
  });

  it('ignores variables meant for another process', () => {
    expect(systemdListenFds({ env: { LISTEN_PID: '7', LISTEN_FDS: '1' }, pid: 42 })).toEqual([]);
  });

  it('unsets the variables so children do not take the sockets, unless asked to keep them', () => {
    const env: NodeJS.ProcessEnv = { LISTEN_PID: '42', LISTEN_FDS: '1', LISTEN_FDNAMES: 'x' };
    systemdListenFds({ env, pid: 42, unsetEnvironment: false });
    expect(env.LISTEN_FDS).toBe('1');
    systemdListenFds({ env, pid: 42 });
    expect(env).toEqual({});
  });

  it('rejects a malformed LISTEN_FDS with a typed error', () => {
    expect(() =>
      systemdListenFds({ env: { LISTEN_PID: '42', LISTEN_FDS: 'two' }, pid: 42 }),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_VMCI_INVALID_ARGUMENT',
        message: expect.stringContaining("got 'two'"),
      }),
    );
  });

  it('rejects a malformed LISTEN_PID with a typed error', () => {
    expect(() => systemdListenFds({ env: { LISTEN_PID: 'me', LISTEN_FDS: '1' }, pid: 42 })).toThrow(
      /LISTEN_PID must be a process id/,
    );
  });
});
