#!/bin/busybox sh
# PID 1 of the nested-VM guest (packed into the initramfs by prepare.sh; busybox sh, not bash).
#
# 1. mounts /proc /sys /dev, loads the virtio / 9p / vsock_loopback modules (list in /modules);
# 2. mounts the run directory that run.sh shares as 9p tag "harness": it holds
#      mounts  lines "<tag> <mount options> <absolute path>": host directories to mount at the
#              same path (options e.g. "ro,cache=loose")
#      links   lines "<name> <target>": top-level symlinks (merged /usr: bin -> usr/bin, ...)
#      cmd.sh  the bash script to run (environment, cd, exec of the command)
#      tty     present when the host's stdout is a terminal: "<rows> <cols>"
# 3. builds a tmpfs root from those, chroots into it and runs cmd.sh with stdin from /dev/null
#    and stdout/stderr on the console (a terminal only when the host's stdout is one);
# 4. writes the exit status to the harness directory ("status") and prints
#    "@@VSOCK_HARNESS_EXIT <status>@@" on the console, then powers off.
# ttyS0 is the host's stdout; "@@VSOCK_HARNESS_READY <uptime>@@" marks the moment
# user space is ready (run.sh turns both markers into its timing summary and exit status).
export PATH=/bin

# No /dev/ttyS0 may exist before devtmpfs is mounted: open it afterwards. The first serial port
# is the host's stdout; the kernel's console (/dev/console) is the second, a log file on the host.
mount -t devtmpfs devtmpfs /dev
exec </dev/ttyS0 >/dev/ttyS0 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
# LF, not CRLF, on the serial console: the host reads plain lines.
stty -onlcr 2>/dev/null

finish() {
  trace "command exited with status $1"
  echo "$1" 2>/dev/null >/harness/status
  sync
  trace "status written"
  echo "@@VSOCK_HARNESS_EXIT $1@@"
  poweroff -f
  sleep 5
}
fail() {
  echo "vm-init: $*"
  finish 125
}

# Safety marker: this script must only ever run inside the harness guest.
grep -q 'vsock_harness_guest=1' /proc/cmdline || fail "marker vsock_harness_guest=1 missing from /proc/cmdline"
# VM_KERNEL_ARGS=vsock_harness_debug=1 traces the stages with the guest's uptime.
trace() { :; }
if grep -q 'vsock_harness_debug=1' /proc/cmdline; then
  trace() { echo "vm-init: $(cut -d' ' -f1 /proc/uptime) $*"; }
fi
trace "init started"

while read -r m; do
  insmod "/lib/modules/$m.ko" || fail "insmod $m failed"
  trace "insmod $m"
done </modules

NINEP="trans=virtio,version=9p2000.L,msize=512000"
trace "modules loaded"
# Loopback networking (127.0.0.1, for TCP/Unix-to-vsock tests); there is no other network device.
ip link set lo up || fail "cannot bring up lo"
mount -t 9p -o "$NINEP" harness /harness || fail "cannot mount the harness share"

R=/newroot
mount -t tmpfs -o mode=0755 root "$R" || fail "cannot mount tmpfs"
mkdir -p "$R/proc" "$R/sys" "$R/dev" "$R/tmp" "$R/run/vm-harness" "$R/var/tmp" "$R/root"
chmod 1777 "$R/tmp" "$R/var/tmp"
mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys"
mount -t devtmpfs devtmpfs "$R/dev"
mkdir -p "$R/dev/pts" "$R/dev/shm"
mount -t devpts devpts "$R/dev/pts"
mount -t tmpfs -o mode=1777 shm "$R/dev/shm"
mount -t tmpfs -o mode=1777 tmp "$R/tmp"
mount -o bind /harness "$R/run/vm-harness"
ln -s /run "$R/var/run"

if [ -f /harness/links ]; then
  while read -r name target; do
    ln -s "$target" "$R/$name" || fail "cannot link /$name -> $target"
  done </harness/links
fi

# Parents come before children in this file (run.sh sorts it).
while read -r tag opts path; do
  [ -n "$tag" ] || continue
  mkdir -p "$R$path" 2>/dev/null
  mount -t 9p -o "$NINEP,$opts" "$tag" "$R$path" ||
    fail "cannot mount $tag at $path"
  trace "mounted $path"
done </harness/mounts

echo "@@VSOCK_HARNESS_READY $(cut -d' ' -f1 /proc/uptime)@@"
if [ -f /harness/tty ]; then
  # The host's stdout is a terminal: so is the command's (the console).
  read -r rows cols </harness/tty && stty rows "$rows" cols "$cols" 2>/dev/null
  chroot "$R" /bin/bash /run/vm-harness/cmd.sh </dev/null
  finish $?
fi
# The host's stdout is not a terminal (CI, a pipe): give the command a pipe as well, so tools
# print plain output rather than progress redraws. Processes left running in the background may
# keep the pipe open: stop waiting for them two seconds after the command exits.
mkfifo /output
cat /output &
cat_pid=$!
chroot "$R" /bin/bash /run/vm-harness/cmd.sh </dev/null >/output 2>&1
status=$?
i=0
while kill -0 "$cat_pid" 2>/dev/null && [ "$i" -lt 40 ]; do
  sleep 0.05
  i=$((i + 1))
done
kill "$cat_pid" 2>/dev/null
finish "$status"
