import { afterEach, expect, it } from 'vitest';
import {
  bindSocket,
  closeSocket,
  createSocket,
  FdPoller,
  listenSocket,
  polledDescriptors,
  releasePoll,
  takePoll,
  VMADDR_CID_ANY,
  VMADDR_PORT_ANY,
  VmciError,
  waitFor,
} from '../src/index.js';

const listeners: number[] = [];
afterEach(() => {
  for (const fd of listeners.splice(0)) closeSocket(fd);
});

function listener(): number {
  const fd = createSocket('stream');
  listeners.push(fd);
  bindSocket(fd, { cid: VMADDR_CID_ANY, port: VMADDR_PORT_ANY });
  listenSocket(fd);
  return fd;
}

it('refuses a second poll handle on one descriptor instead of aborting the process', () => {
  const fd = listener();
  const first = new FdPoller(fd);
  try {
    expect(() => new FdPoller(fd)).toThrowError(
      expect.objectContaining({ code: 'ERR_VMCI_POLL_BUSY' }),
    );
  } finally {
    first.close();
  }
  expect(polledDescriptors()).toEqual([]);
});

it('has one owner per descriptor: a channel poller and the shared waits exclude each other', async () => {
  const fd = listener();
  const controller = new AbortController();
  const waiting = waitFor(fd, { readable: true }, controller.signal);
  expect(() => new FdPoller(fd)).toThrowError(
    expect.objectContaining({ code: 'ERR_VMCI_POLL_BUSY' }),
  );
  controller.abort(new Error('done'));
  await expect(waiting).rejects.toThrow('done');
  releasePoll(fd);
  const own = new FdPoller(fd);
  try {
    await expect(waitFor(fd, { readable: true })).rejects.toMatchObject({
      code: 'ERR_VMCI_POLL_BUSY',
    });
  } finally {
    own.close();
  }
  expect(polledDescriptors()).toEqual([]);
});

it('cancels a readiness wait with an AbortSignal, keeping the stopped handle until release', async () => {
  const fd = listener();
  const controller = new AbortController();
  const waiting = waitFor(fd, { readable: true }, controller.signal);
  expect(polledDescriptors()).toEqual([fd]);
  controller.abort(new Error('stop waiting'));
  await expect(waiting).rejects.toThrow('stop waiting');
  expect(polledDescriptors()).toEqual([fd]);
  releasePoll(fd);
  expect(polledDescriptors()).toEqual([]);
});

it('reuses one handle for consecutive waits on a descriptor', async () => {
  const fd = listener();
  for (let i = 0; i < 3; i++) {
    const controller = new AbortController();
    const waiting = waitFor(fd, { readable: true }, controller.signal);
    controller.abort(new Error('next'));
    await expect(waiting).rejects.toThrow('next');
  }
  expect(polledDescriptors()).toEqual([fd]);
});

it('rejects at once for an already aborted signal without creating a handle', async () => {
  const fd = listener();
  await expect(
    waitFor(fd, { readable: true }, AbortSignal.abort(new Error('already'))),
  ).rejects.toThrow('already');
  expect(polledDescriptors()).toEqual([]);
});

it('reports a closed poller as closed', () => {
  const poller = new FdPoller(listener());
  poller.close();
  expect(() => poller.start({ readable: true }, () => {})).toThrow(VmciError);
});

it('rejects pending waits when the descriptor is closed, and frees the handle first', async () => {
  const fd = createSocket('stream');
  bindSocket(fd, { cid: VMADDR_CID_ANY, port: VMADDR_PORT_ANY });
  listenSocket(fd);
  const reading = waitFor(fd, { readable: true });
  const writing = waitFor(fd, { writable: true });
  expect(polledDescriptors()).toEqual([fd]);
  closeSocket(fd);
  await expect(reading).rejects.toMatchObject({ code: 'ERR_VMCI_SOCKET_CLOSED' });
  await expect(writing).rejects.toMatchObject({ code: 'ERR_VMCI_SOCKET_CLOSED' });
  expect(polledDescriptors()).toEqual([]);
});

it('hands the shared wait handle over to a new owner only once its waits are over', async () => {
  const fd = listener();
  expect(takePoll(fd)).toBeUndefined(); // no handle: the new owner makes its own
  const controller = new AbortController();
  const waiting = waitFor(fd, { readable: true }, controller.signal);
  expect(() => takePoll(fd)).toThrowError(expect.objectContaining({ code: 'ERR_VMCI_POLL_BUSY' }));
  controller.abort(new Error('over'));
  await expect(waiting).rejects.toThrow('over');
  const taken = takePoll(fd);
  expect(taken).toBeInstanceOf(FdPoller);
  expect(polledDescriptors()).toEqual([fd]);
  // It is the owner's now: waits may not share it, and it polls (and closes) for the owner.
  await expect(waitFor(fd, { readable: true })).rejects.toMatchObject({
    code: 'ERR_VMCI_POLL_BUSY',
  });
  expect(takePoll(fd)).toBeUndefined();
  taken?.start({ readable: true }, () => {});
  taken?.close();
  expect(polledDescriptors()).toEqual([]);
});
