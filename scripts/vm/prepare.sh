#!/usr/bin/env bash
# Prepares everything the nested-VM harness needs and prints where it is (see README.md):
#   - Debian packages qemu-system-x86 and busybox-static (installed as root when missing);
#   - a Debian 6.1 kernel package, downloaded (not installed) into .cache/vm/ and unpacked;
#   - vmlinux: the uncompressed ELF inside vmlinuz, so qemu boots through the PVH entry;
#   - a small initramfs: static busybox, init.sh, and the virtio / 9p / vsock_loopback modules.
# Idempotent and fast when cached; everything is keyed by kernel version and by a hash of the
# initramfs inputs. Progress goes to stderr; stdout gets `KEY=value` lines for run.sh:
#   VM_KERNEL=<vmlinux or vmlinuz>  VM_INITRD=<initramfs>  VM_KERNEL_RELEASE=<uname -r in guest>
# Environment: VM_KERNEL_SERIES picks the kernel (6.1, the default, or 6.12: the kernel matrix);
# VM_KERNEL_PKG / VM_KERNEL_PKG_VERSION override the pinned package of that series.
# VM_EXTRA_PACKAGES="socat …": more Debian packages the guest's command needs (the guest shares
# /usr, so they are installed here like the others; `pnpm bench:vm` asks for socat).
set -euo pipefail

# Pinned kernels, one per series of the matrix. The mirror drops old point releases; when a pin
# is gone we fall back to a kernel of the same series already in the cache, then to whatever the
# series' meta package depends on.
#  6.1:  bookworm main (2026-11); meta linux-image-amd64 (after `apt-get update` that was already
#        linux-image-6.1.0-56-amd64 6.1.192-2 from bookworm-security).
#  6.12: bookworm-security (2026-12); meta linux-image-6.12-amd64. Has SIOCOUTQ for vsock; its
#        vmlinuz is zstd-compressed; virtio, virtio_pci and fscache are built in.
VM_KERNEL_SERIES="${VM_KERNEL_SERIES:-6.1}"
case "$VM_KERNEL_SERIES" in
  6.1)
    VM_PINNED_KERNEL_PKG="linux-image-6.1.0-50-amd64"
    VM_PINNED_KERNEL_VERSION="6.1.176-1"
    VM_KERNEL_META_PKG="linux-image-amd64"
    VM_KERNEL_CACHE_GLOB="linux-image-6.1.0-*"
    ;;
  6.12)
    VM_PINNED_KERNEL_PKG="linux-image-6.12.118+deb12-amd64"
    VM_PINNED_KERNEL_VERSION="6.12.118-1~deb12u1"
    VM_KERNEL_META_PKG="linux-image-6.12-amd64"
    VM_KERNEL_CACHE_GLOB="linux-image-6.12.*"
    ;;
  *)
    printf 'vm-prepare: error: VM_KERNEL_SERIES must be 6.1 or 6.12 (got %s)\n' "$VM_KERNEL_SERIES" >&2
    exit 1
    ;;
esac

# Kernel modules for the initramfs, in the order they are requested; dependencies are resolved
# from modules.dep or the modules themselves. Optional names missing from a kernel (e.g.
# virtio_pci_legacy_dev before 5.19; 9pnet_fd, the trans=fd transport that @vmci/share mounts with,
# is part of 9pnet before 6.2) are skipped; built-in ones (modules.builtin) need no file.
VM_MODULES=(
  virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_rng
  netfs fscache 9pnet 9pnet_fd 9pnet_virtio 9p
  vsock vmw_vsock_virtio_transport_common vsock_loopback
)
# Modules that must be present; the others are optional.
VM_REQUIRED_MODULES=(virtio_pci 9pnet_virtio 9p vsock vsock_loopback)

VM_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd "$VM_DIR/../.." && pwd -P)"
CACHE="${VM_CACHE_DIR:-$REPO_ROOT/.cache/vm}"
BUSYBOX=/bin/busybox

log() { printf 'vm-prepare: %s\n' "$*" >&2; }
die() { printf 'vm-prepare: error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# Debian packages
apt_updated=0
apt_update_once() {
  if [ "$apt_updated" -eq 0 ]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || return 1
    apt_updated=1
  fi
}

ensure_packages() {
  local missing=()
  command -v qemu-system-x86_64 >/dev/null 2>&1 || missing+=(qemu-system-x86)
  # Only the static busybox works inside the initramfs.
  [ "$(dpkg-query -W -f='${Status}' busybox-static 2>/dev/null)" = "install ok installed" ] ||
    missing+=(busybox-static)
  command -v xz >/dev/null 2>&1 || missing+=(xz-utils)
  command -v gzip >/dev/null 2>&1 || missing+=(gzip)
  local pkg
  for pkg in ${VM_EXTRA_PACKAGES:-}; do
    [[ "$pkg" =~ ^[a-z0-9][a-z0-9+.-]*$ ]] || die "VM_EXTRA_PACKAGES: '$pkg' is not a Debian package name"
    [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ] ||
      missing+=("$pkg")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    die "missing Debian packages: ${missing[*]} (install them as root: apt-get install --no-install-recommends ${missing[*]})"
  fi
  apt_update_once || die "apt-get update failed"
  log "installing ${missing[*]}"
  local out
  if ! out="$(DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" 2>&1)"; then
    printf '%s\n' "$out" >&2
    die "apt-get install ${missing[*]} failed"
  fi
}

# ---------------------------------------------------------------------------------------------
# Kernel package
candidate_version() { # <pkg> → the version apt would download, or nothing
  apt-cache policy "$1" 2>/dev/null | awk '$1 == "Candidate:" && $2 != "(none)" { print $2 }'
}

version_known() { # <pkg> <version> → is this exact version in the apt lists?
  apt-cache madison "$1" 2>/dev/null | awk -F'|' -v v="$2" '{ gsub(/ /, "", $2) } $2 == v { f = 1 } END { exit !f }'
}

download_deb() { # <pkg> <version> → prints the path of the .deb
  local pkg="$1" ver="$2" dir="$CACHE/debs" deb
  deb="$dir/${pkg}_${ver//:/%3a}_amd64.deb"
  if [ -s "$deb" ]; then
    echo "$deb"
    return 0
  fi
  mkdir -p "$dir"
  log "downloading $pkg=$ver (~70 MB)"
  (cd "$dir" && apt-get download -qq -o APT::Sandbox::User=root "$pkg=$ver" >&2) || return 1
  [ -s "$deb" ] || deb="$(ls -1 "$dir/${pkg}_"*"_amd64.deb" 2>/dev/null | tail -n 1)"
  [ -s "$deb" ] || return 1
  echo "$deb"
}

meta_kernel_pkg() { # the linux-image-<version>-amd64 package the series' meta package depends on
  apt-cache depends "$VM_KERNEL_META_PKG" 2>/dev/null |
    awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-amd64$/ && !found { print $2; found = 1 }'
}

newest_cached_kernel() { # of the selected series only
  local d best=""
  for d in "$CACHE"/kernel/$VM_KERNEL_CACHE_GLOB/; do
    [ -f "$d/complete" ] && best="${d%/}"
  done
  [ -n "$best" ] && echo "$best"
}

# Sets KDIR to a complete cache directory for the kernel to use.
resolve_kernel() {
  local pkg="${VM_KERNEL_PKG:-$VM_PINNED_KERNEL_PKG}" ver="${VM_KERNEL_PKG_VERSION:-}" deb=""
  if [ -z "$ver" ]; then
    if [ "$pkg" = "$VM_PINNED_KERNEL_PKG" ]; then ver="$VM_PINNED_KERNEL_VERSION"; fi
  fi
  if [ -n "$ver" ] && [ -f "$CACHE/kernel/${pkg}_${ver}/complete" ]; then
    KDIR="$CACHE/kernel/${pkg}_${ver}"
    return 0
  fi

  # Not cached: try to download the pinned (or requested) package.
  if [ -z "$ver" ]; then ver="$(candidate_version "$pkg")"; fi
  if [ -z "$ver" ] || ! version_known "$pkg" "$ver"; then
    apt_update_once || true
    [ -n "$ver" ] || ver="$(candidate_version "$pkg")"
  fi
  if [ -n "$ver" ] && version_known "$pkg" "$ver"; then
    deb="$(download_deb "$pkg" "$ver")" || deb=""
  fi

  if [ -z "$deb" ]; then
    log "warning: $pkg${ver:+=$ver} is not available from the mirror"
    if KDIR="$(newest_cached_kernel)"; then
      log "warning: using the cached kernel $(basename "$KDIR") instead"
      return 0
    fi
    pkg="$(meta_kernel_pkg)"
    [ -n "$pkg" ] || die "cannot resolve $VM_KERNEL_META_PKG to a kernel package (apt-cache depends)"
    ver="$(candidate_version "$pkg")"
    [ -n "$ver" ] || die "no candidate version for $pkg"
    log "warning: falling back to $pkg=$ver (what $VM_KERNEL_META_PKG depends on); update the $VM_KERNEL_SERIES pin in scripts/vm/prepare.sh"
    if [ -f "$CACHE/kernel/${pkg}_${ver}/complete" ]; then
      KDIR="$CACHE/kernel/${pkg}_${ver}"
      return 0
    fi
    deb="$(download_deb "$pkg" "$ver")" || die "apt-get download $pkg=$ver failed"
  fi

  KDIR="$CACHE/kernel/${pkg}_${ver}"
  unpack_kernel "$deb" "$KDIR"
}

# The compressed payload of a bzImage, exactly, from its setup header (boot protocol >= 2.08):
# setup_sects at 0x1f1, payload_offset at 0x248 and payload_length at 0x24c (little endian).
bzimage_payload() { # <vmlinuz>
  local in="$1" sects offset length
  sects="$(od -An -tu1 -j $((0x1f1)) -N1 "$in" | tr -d ' ')"
  offset="$(od -An -tu4 -j $((0x248)) -N4 "$in" | tr -d ' ')"
  length="$(od -An -tu4 -j $((0x24c)) -N4 "$in" | tr -d ' ')"
  [ -n "$sects" ] && [ -n "$offset" ] && [ "${length:-0}" -gt 0 ] || return 1
  [ "$sects" -eq 0 ] && sects=4
  tail -c "+$(((sects + 1) * 512 + offset + 1))" "$in" | head -c "$length"
}

# Finds the compressed kernel inside a bzImage (XZ: 6.1; zstd: 6.12) and decompresses it.
extract_vmlinux() { # <vmlinuz> <out>
  local in="$1" out="$2" off
  # The payload the header names: whichever decompressor takes it. The build appends the
  # decompressed size (4 bytes, little endian) to the stream, which the tools call trailing
  # garbage; so their status does not count, the size and the ELF magic do.
  local size
  size="$( (set +o pipefail; bzimage_payload "$in" | tail -c 4 | od -An -tu4 | tr -d ' '))"
  for tool in "xz -dc" "zstd -qdc"; do
    command -v "${tool%% *}" >/dev/null 2>&1 || continue
    (set +o pipefail; bzimage_payload "$in" | $tool >"$out.tmp" 2>/dev/null) || true
    if [ -n "$size" ] && [ "$(stat -c %s "$out.tmp")" = "$size" ] &&
      [ "$(head -c 4 "$out.tmp" | od -An -tx1 | tr -d ' \n')" = "7f454c46" ]; then
      mv "$out.tmp" "$out"
      return 0
    fi
  done
  # Older headers: scan for the XZ magic.
  for off in $(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$in" | cut -d: -f1); do
    # --single-stream ignores whatever follows the first stream (the rest of the bzImage); xz
    # stops reading there, so tail's SIGPIPE must not count (no pipefail in this subshell).
    if (set +o pipefail; tail -c "+$((off + 1))" "$in" | xz -dc --single-stream >"$out.tmp" 2>/dev/null) &&
      [ "$(head -c 4 "$out.tmp" | od -An -tx1 | tr -d ' \n')" = "7f454c46" ]; then
      mv "$out.tmp" "$out"
      return 0
    fi
  done
  rm -f "$out.tmp"
  return 1
}

has_pvh_note() { # qemu boots an ELF kernel only through the Xen PVH entry note
  command -v readelf >/dev/null 2>&1 || return 0 # cannot check; qemu will tell
  local notes
  notes="$(readelf -n "$1" 2>/dev/null)" || return 1
  grep -Eiq 'PHYS32_ENTRY|note type: \(0x0*12\)' <<<"$notes"
}

unpack_kernel() { # <deb> <dir>
  local deb="$1" dir="$2" tmp krel vmlinuz
  tmp="$(mktemp -d "$CACHE/unpack.XXXXXX")"
  log "unpacking $(basename "$deb")"
  # Only the kernel image here; modules are extracted when an initramfs is built.
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*' ||
    die "cannot unpack $deb"
  vmlinuz="$(find "$tmp/boot" -name 'vmlinuz-*' | LC_ALL=C sort | tail -n 1)"
  krel="${vmlinuz##*/vmlinuz-}"
  rm -rf "$dir"
  mkdir -p "$dir"
  mv "$vmlinuz" "$dir/vmlinuz"
  echo "$krel" >"$dir/release"
  ln -s "../../debs/$(basename "$deb")" "$dir/package.deb"
  rm -rf "$tmp"
  if extract_vmlinux "$dir/vmlinuz" "$dir/vmlinux" && has_pvh_note "$dir/vmlinux"; then
    log "extracted vmlinux ($(du -h "$dir/vmlinux" | cut -f1)) for PVH boot"
  else
    rm -f "$dir/vmlinux"
    log "warning: could not extract a PVH-bootable vmlinux; booting vmlinuz (3-4 s slower)"
  fi
  touch "$dir/complete"
}

# ---------------------------------------------------------------------------------------------
# initramfs
norm() { echo "${1//-/_}"; }

decompress_ko() { # <in> <out>
  case "$1" in
    *.ko.xz) xz -dc "$1" >"$2" ;;
    *.ko.zst) zstd -qdc "$1" >"$2" ;;
    *.ko.gz) gzip -dc "$1" >"$2" ;;
    *) cp "$1" "$2" ;;
  esac
}

# In <moddir> (an unpacked lib/modules/<krel>), writes the modules to load into <outdir> as
# <name>.ko, uncompressed, and prints their names in load order (dependencies first).
# Dependencies come from modules.dep when the package ships one, else from each module's
# .modinfo "depends=" field (Debian's packages leave modules.dep to depmod at install time).
resolve_modules() { # <moddir> <outdir>
  local moddir="$1" outdir="$2" f name m line
  declare -A path_of=() deps_of=() seen=()
  while IFS= read -r f; do
    name="${f##*/}"
    name="$(norm "${name%%.ko*}")"
    path_of[$name]="$f"
  done < <(cd "$moddir" && find kernel updates extra -name '*.ko*' 2>/dev/null)
  if [ -s "$moddir/modules.dep" ]; then
    while IFS= read -r line; do
      f="${line%%:*}"
      name="${f##*/}"
      deps_of[$(norm "${name%%.ko*}")]="$(for m in ${line#*:}; do m="${m##*/}"; norm "${m%%.ko*}"; done)"
    done <"$moddir/modules.dep"
  fi
  visit() {
    local n="$1" d
    [ -n "${seen[$n]:-}" ] && return 0
    seen[$n]=1
    decompress_ko "$moddir/${path_of[$n]}" "$outdir/$n.ko" || die "cannot decompress ${path_of[$n]}"
    if [ -z "${deps_of[$n]+set}" ]; then
      deps_of[$n]="$(tr '\0' '\n' <"$outdir/$n.ko" | awk -F= '$1 == "depends" && !d { print $2; d = 1 }' | tr ',' ' ')"
    fi
    for d in ${deps_of[$n]}; do
      d="$(norm "$d")"
      [ -n "${path_of[$d]:-}" ] || continue # built in
      visit "$d"
    done
    echo "$n"
  }
  for m in "${VM_MODULES[@]}"; do
    m="$(norm "$m")"
    if [ -n "${path_of[$m]:-}" ]; then
      visit "$m"
    elif grep -Eq "/${m//_/[-_]}\.ko" "$moddir/modules.builtin" 2>/dev/null; then
      : # built into the kernel
    elif [[ " ${VM_REQUIRED_MODULES[*]} " == *" $m "* ]]; then
      die "kernel module $m is neither a module nor built in"
    fi
  done
}

# The resolved modules, uncompressed, with their load order in "order"; cached per module list.
modules_dir() { # <kdir> → prints the directory
  local kdir="$1" dir krel tmp mods
  dir="$kdir/modules-$(echo "${VM_MODULES[*]}" | sha256sum | cut -c1-12)"
  if [ ! -s "$dir/order" ]; then
    krel="$(cat "$kdir/release")"
    tmp="$(mktemp -d "$CACHE/modules.XXXXXX")"
    mkdir -p "$tmp/ko"
    log "extracting kernel modules from $(readlink "$kdir/package.deb" | sed 's#.*/##')"
    dpkg-deb --fsys-tarfile "$kdir/package.deb" |
      tar -x -C "$tmp" --wildcards "./lib/modules/$krel/*" ||
      die "cannot extract modules from $kdir/package.deb"
    mods="$(resolve_modules "$tmp/lib/modules/$krel" "$tmp/ko")"
    echo "$mods" >"$tmp/ko/order"
    rm -rf "$dir"
    mv "$tmp/ko" "$dir"
    rm -rf "$tmp"
  fi
  echo "$dir"
}

build_initramfs() { # <kdir> <out>
  local kdir="$1" out="$2" stage mdir f
  mdir="$(modules_dir "$kdir")"
  stage="$(mktemp -d "$CACHE/initramfs.XXXXXX")"
  mkdir -p "$stage"/{bin,dev,proc,sys,tmp,harness,newroot,lib/modules}
  while IFS= read -r f; do
    cp "$mdir/$f.ko" "$stage/lib/modules/"
  done <"$mdir/order"
  cp "$mdir/order" "$stage/modules"
  cp "$BUSYBOX" "$stage/bin/busybox"
  for f in $("$BUSYBOX" --list); do
    [ "$f" = busybox ] || ln -s busybox "$stage/bin/$f"
  done
  cp "$VM_DIR/init.sh" "$stage/init"
  chmod 755 "$stage/init"
  (cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | "$BUSYBOX" cpio -o -H newc 2>/dev/null) |
    gzip -9 >"$out.tmp"
  mv "$out.tmp" "$out"
  rm -rf "$stage"
  log "built initramfs $(basename "$out") ($(du -h "$out" | cut -f1); modules: $(echo $(cat "$mdir/order")))"
}

# ---------------------------------------------------------------------------------------------
main() {
  ensure_packages
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.lock"
  flock 9 # one prepare at a time (parallel test runs share the cache)

  local KDIR key initrd
  resolve_kernel
  # Caches made before zstd payloads were understood have no vmlinux: try once more.
  if [ ! -s "$KDIR/vmlinux" ] && [ ! -e "$KDIR/no-pvh-vmlinux-2" ]; then
    if extract_vmlinux "$KDIR/vmlinuz" "$KDIR/vmlinux" && has_pvh_note "$KDIR/vmlinux"; then
      log "extracted vmlinux ($(du -h "$KDIR/vmlinux" | cut -f1)) for PVH boot"
    else
      rm -f "$KDIR/vmlinux"
      touch "$KDIR/no-pvh-vmlinux-2"
    fi
  fi
  # Rebuild the initramfs when its inputs change: init script, module list, busybox, kernel.
  key="$({
    cat "$VM_DIR/init.sh"
    echo "${VM_MODULES[*]}"
    sha256sum "$BUSYBOX"
    cat "$KDIR/release"
    echo format-2
  } | sha256sum | cut -c1-16)"
  initrd="$KDIR/initramfs-$key.cpio.gz"
  if [ ! -s "$initrd" ]; then
    # The cache is shared by worktrees whose module lists or init scripts may differ: remove only
    # initramfs images nobody has used for a day, never one another worktree may be booting now.
    find "$KDIR" -maxdepth 1 -name 'initramfs-*.cpio.gz' -mtime +1 -delete
    build_initramfs "$KDIR" "$initrd"
  fi
  touch "$initrd" # marks it as in use (see the cleanup above)

  if [ -s "$KDIR/vmlinux" ]; then
    echo "VM_KERNEL=$KDIR/vmlinux"
  else
    echo "VM_KERNEL=$KDIR/vmlinuz"
  fi
  echo "VM_INITRD=$initrd"
  echo "VM_KERNEL_RELEASE=$(cat "$KDIR/release")"
}

main "$@"
