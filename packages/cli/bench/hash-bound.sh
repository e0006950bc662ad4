#!/bin/bash
# The CPU bound of `vmci send` -> `vmci recv` with SHA-256 on both ends (issue #14), in the nested
# VM only:  scripts/vm/run.sh packages/cli/bench/hash-bound.sh   (VM_EXTRA_PACKAGES=socat)
# Times sha256sum and both socat ends (/usr/bin/time) on a 256 MiB tmpfs file, then Node's SHA-256
# throughput, a copy into a shared buffer and a worker's start-up (hash-bound.mjs).
set -e
grep -qw vsock_harness_guest=1 /proc/cmdline || { echo "not in the harness guest"; exit 2; }
here="$(cd "$(dirname "$0")" && pwd)"
f=/dev/shm/bound-file
head -c 268435456 /dev/urandom > $f
echo "nproc $(nproc); $(grep -m1 'model name' /proc/cpuinfo); node $(node -v)"
for i in 1 2; do /usr/bin/time -f "sha256sum: %e s wall, %U user %S sys" sha256sum $f; done
node "$here/hash-bound.mjs" $f
for i in 1 2 3; do
  rm -f /tmp/bound-out
  /usr/bin/time -f "socat listener: %e s wall, %U user %S sys" socat -u VSOCK-LISTEN:5111 CREATE:/tmp/bound-out &
  sleep 1
  /usr/bin/time -f "socat sender: %e s wall, %U user %S sys" socat -u OPEN:$f VSOCK-CONNECT:1:5111
  wait
  ls -l /tmp/bound-out | awk '{print "copied", $5}'
done
rm -f $f /tmp/bound-out
