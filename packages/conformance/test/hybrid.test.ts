/**
 * The transport conformance suite against the Firecracker hybrid vsock transport:
 * servers listen in the fake muxer's "guest", clients connect with the real HybridVsockTransport
 * on the host. Unix sockets only, never AF_VSOCK.
 */

import { HybridVsockTransport } from '@vmci/hybrid';
// The fake muxer and its guest side are the hybrid transport's own test helpers, from its
// workspace-only test-helpers subpath: imported, not copied.
import { type FakeMuxer, HybridGuestTransport, startFakeMuxer } from '@vmci/hybrid/test-helpers';
import { afterEach } from 'vitest';
import { describeTransportConformance } from '../src/index.js';

const GUEST_CID = 3;
let muxer: FakeMuxer | undefined;

/**
 * Unix-socket handles of this process: catches host-side client sockets the muxer cannot see.
 * stdout/stderr are pipes too, created on first use: create them now, before any baseline.
 */
void process.stdout;
void process.stderr;
const pipeHandles = () =>
  process
    .getActiveResourcesInfo()
    .filter((type) => type === 'PipeWrap' || type === 'PipeConnectWrap').length;

/** Pipe handles with no muxer: libuv releases closed handles a loop turn after `close()`. */
const idlePipes = pipeHandles();

// Runs after the suite's own afterEach (hooks unwind inner first), i.e. after its leak check;
// waits for the muxer's handles to be gone so that the next test's baseline is the idle one.
afterEach(async () => {
  await muxer?.close();
  muxer = undefined;
  for (let i = 0; i < 100 && pipeHandles() > idlePipes; i++)
    await new Promise((r) => setTimeout(r, 10));
});

describeTransportConformance(
  'hybrid vsock (fake Firecracker muxer)',
  async () => {
    const current = await startFakeMuxer();
    muxer = current;
    const guest = new HybridGuestTransport(current, GUEST_CID);
    return {
      server: guest,
      client: new HybridVsockTransport({ udsPath: current.udsPath, guestCid: GUEST_CID }),
      serverCid: GUEST_CID,
      // The device reaches only its own guest: any other CID is refused before any I/O.
      unreachableCid: 99,
      unreachableCodes: ['ERR_VMCI_INVALID_ADDRESS'],
      openResources: () => current.openConnections() + guest.openResources() + pipeHandles(),
    };
  },
  // No SEQPACKET on hybrid vsock; buffer sizes are nominal (the VMM owns the buffers); the VMM
  // assigns the host end's port (no localPort); no CID hangs (the only reachable CID is the
  // guest, and other CIDs are refused at once).
  { seqpacket: false, bufferSizes: false, localPort: false },
);
