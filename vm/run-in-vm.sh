#!/usr/bin/env bash
# run-in-vm.sh 'COMMAND'   (or: run-in-vm.sh PROGRAM ARG...)
#
# Boots a throwaway QEMU guest (software emulation, no KVM needed) with
# Debian's own kernel (linux-image-amd64, 6.1) and a pure cgroup v2 hierarchy,
# the host's / visible through 9p, and runs COMMAND there as root with
# `bash -c`, in the caller's current directory and with the caller's exported
# environment. The command's stdout and stderr stream to this script's stdout
# and stderr; this script exits with the command's exit status, and the guest
# powers off afterwards.
#
# By default the guest sees the host's / read-only with a tmpfs overlay on top
# (writes succeed in the guest and are thrown away). Directories listed in
# VM_RW are shared writable, so results written there land on the host.
#
# Environment knobs (all optional):
#   VM_RW=dir1:dir2   host directories shared read-write at the same path
#   VM_MEM=2G         guest memory                 VM_CPUS=2   guest vCPUs
#   VM_TIMEOUT=1800   seconds before the VM is killed (exit 124)
#   VM_ROOT=overlay   or "ro": host / strictly read-only, except /tmp,
#                     /var/tmp and /root (tmpfs overlays over the host's)
#   VM_TMPFS=/tmp     guest paths (colon-separated, no spaces) that get a
#                     fresh empty tmpfs; needed e.g. for an overlayfs upperdir
#   VM_CPU=max        QEMU CPU model
#   VM_APPEND=...     extra kernel command line
#   VM_CACHE=/var/cache/podrun-vm   where kernel, busybox, initramfs are kept
#   VM_KERNEL_PKG=linux-image-6.1.0-NN-amd64   pin a kernel package
#   VM_TIMING=1       print boot/command timings to stderr
#   VM_DEBUG=1        copy the guest kernel console to stderr, keep the
#                     control directory
#   VM_DMESG=1        with VM_DEBUG, also save the guest's dmesg there
#   VM_QUIET=1        no "run-in-vm:" progress lines during the one-time setup
#
# Exit status: the command's; 124 if VM_TIMEOUT hit; 125 if the VM failed
# before the command could report a status.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
VM_CACHE="${VM_CACHE:-/var/cache/podrun-vm}"
VM_MEM="${VM_MEM:-2G}"
VM_CPUS="${VM_CPUS:-2}"
VM_CPU="${VM_CPU:-max}"
VM_TIMEOUT="${VM_TIMEOUT:-1800}"
VM_ROOT="${VM_ROOT:-overlay}"
VM_RW="${VM_RW:-}"
VM_MSIZE="${VM_MSIZE:-262144}"
VM_ROOT_CACHE="${VM_ROOT_CACHE:-loose}"
VM_DEBUG="${VM_DEBUG:-0}"
VM_TIMING="${VM_TIMING:-0}"

# Modules the initramfs needs, in load order (Debian builds them as modules).
INITRD_MODULES="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci 9pnet 9pnet_virtio netfs fscache 9p virtio_console overlay"

log() { [ "${VM_QUIET:-0}" = 1 ] || echo "run-in-vm: $*" >&2; }
die() { echo "run-in-vm: error: $*" >&2; exit 125; }

if [ $# -eq 0 ] || [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
fi
if [ $# -eq 1 ]; then CMD="$1"; else CMD="$(printf '%q ' "$@")"; fi
[ "$(id -u)" = 0 ] || die "must run as root"

APT=(apt-get -o DPkg::Lock::Timeout=600 -o APT::Sandbox::User=root -q)

apt_lists_have() { apt-cache show "$1" > /dev/null 2>&1; }
apt_ensure_lists() {
	apt_lists_have "$1" || "${APT[@]}" update > /dev/null || die "apt-get update failed"
	apt_lists_have "$1" || die "Debian package $1 not found"
}

# Download a .deb (not installing it) and unpack it into $2. A failed
# download is retried once after refreshing the package lists.
deb_unpack() {
	local pkg="$1" dest="$2" dl
	apt_ensure_lists "$pkg"
	dl="$(mktemp -d "$VM_CACHE/dl.XXXXXX")"
	if ! (cd "$dl" && "${APT[@]}" download "$pkg" > /dev/null 2>&1); then
		"${APT[@]}" update > /dev/null 2>&1 || true
		(cd "$dl" && "${APT[@]}" download "$pkg" > /dev/null) || { rm -rf "$dl"; return 1; }
	fi
	rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
	dpkg-deb -x "$dl"/*.deb "$dest.tmp" || { rm -rf "$dl" "$dest.tmp"; return 1; }
	rm -rf "$dl" "$dest" && mv "$dest.tmp" "$dest"
}

resolve_kernel_pkg() {
	apt_ensure_lists linux-image-amd64
	apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'
}

# Debian's bzImage holds an xz-compressed ELF vmlinux; cut it out.
extract_vmlinux() {
	local img="$1" out="$2" off
	off="$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$img" | head -n1 | cut -d: -f1)"
	[ -n "$off" ] || return 1
	tail -c +"$((off + 1))" "$img" | xz -dc --single-stream > "$out.tmp" 2> /dev/null
	if [ "$(head -c4 "$out.tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
		mv "$out.tmp" "$out"
	else
		rm -f "$out.tmp"
		return 1
	fi
}

prepare() {
	mkdir -p "$VM_CACHE"
	exec 9> "$VM_CACHE/.lock"
	flock 9

	if ! command -v qemu-system-x86_64 > /dev/null; then
		log "installing qemu-system-x86 (one time)"
		apt_ensure_lists qemu-system-x86
		DEBIAN_FRONTEND=noninteractive "${APT[@]}" install -y --no-install-recommends qemu-system-x86 > /dev/null \
			|| die "cannot install qemu-system-x86"
	fi

	# Static busybox for the initramfs (and its modprobe for the guest).
	BB="$VM_CACHE/busybox/bin/busybox"
	if [ ! -x "$BB" ]; then
		log "fetching busybox-static (one time)"
		deb_unpack busybox-static "$VM_CACHE/busybox.pkg" || die "cannot download busybox-static"
		mkdir -p "$VM_CACHE/busybox/bin"
		cp "$VM_CACHE/busybox.pkg/bin/busybox" "$BB.tmp" && mv "$BB.tmp" "$BB"
		ln -sf busybox "$VM_CACHE/busybox/bin/modprobe"
		rm -rf "$VM_CACHE/busybox.pkg"
	fi

	# Debian's kernel package, unpacked (never installed on the host).
	local kpkg="${VM_KERNEL_PKG:-}"
	[ -n "$kpkg" ] || kpkg="$(cat "$VM_CACHE/kernel.pkg" 2> /dev/null || true)"
	[ -n "$kpkg" ] || kpkg="$(resolve_kernel_pkg)"
	[ -n "$kpkg" ] || die "cannot resolve linux-image-amd64"
	KDIR="$VM_CACHE/$kpkg"
	if [ ! -e "$KDIR/.ready" ]; then
		log "fetching and unpacking $kpkg (one time, ~70 MB download, ~400 MB unpacked)"
		if ! deb_unpack "$kpkg" "$KDIR"; then
			# The remembered version may have left the archive: re-resolve.
			[ -z "${VM_KERNEL_PKG:-}" ] || die "cannot download $kpkg"
			kpkg="$(resolve_kernel_pkg)"
			KDIR="$VM_CACHE/$kpkg"
			log "retrying with $kpkg"
			deb_unpack "$kpkg" "$KDIR" || die "cannot download $kpkg"
		fi
		KVER="$(ls "$KDIR/lib/modules" | head -n1)"
		"$BB" depmod -b "$KDIR" "$KVER" || die "depmod failed"
		touch "$KDIR/.ready"
	fi
	[ -n "${VM_KERNEL_PKG:-}" ] || echo "$kpkg" > "$VM_CACHE/kernel.pkg"
	KVER="$(ls "$KDIR/lib/modules" | head -n1)"
	VMLINUZ="$KDIR/boot/vmlinuz-$KVER"
	MODDIR="$KDIR/lib/modules/$KVER"
	[ -r "$VMLINUZ" ] || die "no kernel image in $KDIR"
	# QEMU boots an uncompressed ELF vmlinux through its PVH entry point,
	# which skips the ~3 s that TCG spends decompressing the bzImage.
	KERNEL="$VMLINUZ"
	if [ "${VM_PVH:-1}" = 1 ]; then
		[ -e "$KDIR/vmlinux" ] || [ -e "$KDIR/.no-vmlinux" ] \
			|| extract_vmlinux "$VMLINUZ" "$KDIR/vmlinux" || touch "$KDIR/.no-vmlinux"
		[ -e "$KDIR/vmlinux" ] && KERNEL="$KDIR/vmlinux"
	fi

	# The initramfs: busybox, a few modules, initramfs-init. Rebuilt when
	# any of its inputs changes.
	local stamp
	stamp="$({ cat "$HERE/initramfs-init"; echo "$KVER $INITRD_MODULES"; sha256sum "$BB"; } | sha256sum | cut -c1-16)"
	INITRD="$VM_CACHE/initramfs-$KVER-$stamp.cpio.gz"
	if [ ! -e "$INITRD" ]; then
		log "building initramfs"
		local d m f
		d="$(mktemp -d "$VM_CACHE/initrd.XXXXXX")"
		mkdir -p "$d/bin" "$d/dev" "$d/proc" "$d/sys" "$d/lib/modules"
		cp "$BB" "$d/bin/busybox"
		cp "$HERE/initramfs-init" "$d/init" && chmod 755 "$d/init"
		: > "$d/modules.order"
		for m in $INITRD_MODULES; do
			f="$(grep -E "(^|/)$m\.ko(\.[a-z]+)?:" "$MODDIR/modules.dep" | head -n1 | cut -d: -f1)"
			[ -n "$f" ] || die "module $m not in $kpkg"
			cp "$MODDIR/$f" "$d/lib/modules/$m.ko"
			echo "$m" >> "$d/modules.order"
		done
		(cd "$d" && find . | "$BB" cpio -o -H newc 2> /dev/null | gzip -1) > "$INITRD.tmp"
		rm -f "$VM_CACHE"/initramfs-*.cpio.gz   # older builds
		mv "$INITRD.tmp" "$INITRD"
		rm -rf "$d"
	fi

	flock -u 9
	exec 9>&-
}

prepare
VM_CACHE="$(cd "$VM_CACHE" && pwd -P)"   # no symlinks: the guest mounts by path
BB="$VM_CACHE/busybox/bin/busybox"
MODDIR="$(cd "$MODDIR" && pwd -P)"

# ---------------------------------------------------------------- one run
qesc() { printf '%s' "${1//,/,,}"; }   # QEMU option values: ',' -> ',,'
squote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

CTL="$(mktemp -d "${TMPDIR:-/tmp}/run-in-vm.XXXXXX")"
mkdir "$CTL/vm"
qpid="" opid="" epid="" cpid=""
cleanup() {
	local p
	for p in $qpid $opid $epid $cpid; do kill "$p" 2> /dev/null || true; done
	[ -z "$qpid" ] || wait "$qpid" 2> /dev/null || true   # timeout(1) passes the signal on to qemu
	if [ "$VM_DEBUG" = 1 ]; then echo "run-in-vm: control dir kept: $CTL" >&2; else rm -rf "$CTL"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

{
	echo "MSIZE=$VM_MSIZE"
	echo "ROOT_MODE=$(squote "$VM_ROOT")"
	echo "ROOT_CACHE=$(squote "$VM_ROOT_CACHE")"
	echo "GUEST_INIT=$(squote "$HERE/guest-init.sh")"
	echo "GUEST_BB=$(squote "$BB")"
	echo "KVER=$(squote "$KVER")"
	echo "MODDIR=$(squote "$MODDIR")"
	echo "MODPROBE=$(squote "$VM_CACHE/busybox/bin/modprobe")"
	echo "HOSTNAME=$(squote "${VM_HOSTNAME:-podrun-vm}")"
	echo "PRINTK=$([ "$VM_DEBUG" = 1 ] && echo 7 || echo 4)"
	echo "TMPFS_DIRS=$(squote "$(echo "${VM_TMPFS:-}" | tr ':' ' ')")"
	echo "VM_DMESG=$(squote "${VM_DMESG:-0}")"
	echo "VM_DEBUG=$(squote "$VM_DEBUG")"
} > "$CTL/vm/config"
printf '%s' "$CMD" > "$CTL/vm/cmd"
pwd > "$CTL/vm/cwd"
# Exported environment, minus what belongs to this shell or this host session.
for n in $(compgen -e); do
	case "$n" in
		PWD | OLDPWD | SHLVL | _ | BASHOPTS | SHELLOPTS | BASH_* | VM_*) continue ;;
	esac
	printf 'export %s=%q\n' "$n" "${!n}"
done > "$CTL/vm/env.sh"

qemu=(qemu-system-x86_64 -nodefaults -no-user-config -display none -monitor none
	-machine q35,accel=tcg -cpu "$VM_CPU" -smp "$VM_CPUS" -m "$VM_MEM" -no-reboot
	-kernel "$KERNEL" -initrd "$INITRD"
	-append "console=ttyS0 quiet loglevel=4 panic=-1 cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1 rdinit=/init ${VM_APPEND:-}"
	-serial "file:$(qesc "$CTL/console.log")"
	-fsdev local,id=fsroot,path=/,security_model=none,readonly=on,multidevs=remap
	-device virtio-9p-pci,fsdev=fsroot,mount_tag=hostroot
	-fsdev "local,id=fsctl,path=$(qesc "$CTL/vm"),security_model=none,multidevs=remap"
	-device virtio-9p-pci,fsdev=fsctl,mount_tag=vmctl
	-device virtio-serial-pci
	-chardev "file,id=cout,path=$(qesc "$CTL/out.fifo")" -device virtserialport,chardev=cout,name=stdout
	-chardev "file,id=cerr,path=$(qesc "$CTL/err.fifo")" -device virtserialport,chardev=cerr,name=stderr
)
: > "$CTL/vm/mounts"
if [ -n "$VM_RW" ]; then
	i=0
	IFS=: read -r -a rwdirs <<< "$VM_RW"
	for dir in "${rwdirs[@]}"; do
		[ -n "$dir" ] || continue
		[ -d "$dir" ] || die "VM_RW: $dir is not a directory"
		dir="$(cd "$dir" && pwd -P)"
		qemu+=(-fsdev "local,id=fsrw$i,path=$(qesc "$dir"),security_model=none,multidevs=remap"
			-device "virtio-9p-pci,fsdev=fsrw$i,mount_tag=rw$i")
		printf 'rw%d\t%s\n' "$i" "$dir" >> "$CTL/vm/mounts"
		i=$((i + 1))
	done
fi

mkfifo "$CTL/out.fifo" "$CTL/err.fifo"
cat "$CTL/out.fifo" &
opid=$!
cat "$CTL/err.fifo" >&2 &
epid=$!
if [ "$VM_DEBUG" = 1 ]; then : > "$CTL/console.log"; tail -n +1 -f "$CTL/console.log" >&2 & cpid=$!; fi

t0="$(date +%s.%N)"
timeout -k 5 "$VM_TIMEOUT" "${qemu[@]}" < /dev/null > "$CTL/qemu.log" 2>&1 &
qpid=$!
qrc=0
wait "$qpid" || qrc=$?
qpid=""
t1="$(date +%s.%N)"
# If qemu never opened a fifo, its reader is still blocked in open(): a
# read-write open never blocks, and closing it again hands the reader EOF.
for f in "$CTL/out.fifo" "$CTL/err.fifo"; do exec 3<> "$f"; exec 3>&-; done
wait "$opid" 2> /dev/null || true
wait "$epid" 2> /dev/null || true
opid="" epid=""
if [ -n "$cpid" ]; then sleep 0.2; kill "$cpid" 2> /dev/null || true; cpid=""; fi

if [ "$VM_TIMING" = 1 ]; then
	ts=""
	[ -e "$CTL/vm/started" ] && ts="$(stat -c %.9Y "$CTL/vm/started")"
	awk -v t0="$t0" -v t1="$t1" -v ts="$ts" 'BEGIN {
		if (ts != "") printf "run-in-vm: timing: qemu start -> command start %.2fs, command + poweroff %.2fs, total %.2fs\n", ts - t0, t1 - ts, t1 - t0 > "/dev/stderr";
		else printf "run-in-vm: timing: total %.2fs (command never started)\n", t1 - t0 > "/dev/stderr" }'
fi

if [ -s "$CTL/vm/rc" ] && [ ! -e "$CTL/vm/init-error" ]; then
	exit "$(cat "$CTL/vm/rc")"
fi
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	echo "run-in-vm: VM killed after VM_TIMEOUT=${VM_TIMEOUT}s" >&2
	exit 124
fi
{
	echo "run-in-vm: the VM stopped without a command status (qemu exit $qrc)"
	[ -e "$CTL/vm/init-error" ] && echo "guest init error: $(cat "$CTL/vm/init-error")"
	echo "--- qemu output:"; tail -n 20 "$CTL/qemu.log"
	echo "--- guest console (tail):"; tail -n 40 "$CTL/console.log" 2> /dev/null
} >&2
exit 125
