#!/usr/bin/env bash
# make test-vm: the resource tests (test/vm/*.test.ts) inside a QEMU guest with a pure
# cgroup v2 kernel (run-in-vm.sh beside this file), for hosts whose cgroups are hybrid.
# Build on the host first (make setup): the guest sees the host's / read-only, this tree
# included, and runs vitest there; its output streams back and JUnit results land in
# vm/out/junit.xml. Exit status: the tests'. When the VM cannot start here (no QEMU and
# no way to install it, no kernel package, not root), one line says so and the VM tests
# count as skipped: exit 0, never a pass.
#   VM_TIMEOUT=540 (seconds of the VM's run; the first run's downloads come before it)
#   any other run-in-vm.sh knob (VM_MEM, VM_CPUS, VM_DEBUG, ...); extra arguments go to vitest.
set -u
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO="$(dirname "$HERE")"
cd "$REPO"
files=(test/vm/*.test.ts)
skip() {
	echo "test-vm: ${#files[@]} VM test files SKIPPED (not run, not passed): $*"
	exit 0
}
[ "$(id -u)" = 0 ] || skip "the VM harness needs root"
[ -e dist/src/cli/main.js ] || { echo "test-vm: build first (make setup)" >&2; exit 2; }
mkdir -p vm/out
rm -f vm/out/junit.xml
err="$(mktemp)"
trap 'rm -f "$err"' EXIT
# Overlayfs upperdirs (the containers', the tests' temp dirs) cannot sit on the guest's
# root overlay, so the tests' TMPDIR gets a fresh tmpfs: /tmp, or /var/tmp when this
# tree is under /tmp (a tmpfs there would hide it from the guest, as in a clone in /tmp).
case "$REPO/" in /tmp/*) scratch=/var/tmp ;; *) scratch=/tmp ;; esac
TMPDIR=$scratch VM_TMPFS=$scratch VM_RW="$REPO/vm/out" VM_TIMEOUT="${VM_TIMEOUT:-540}" VM_TIMING=1 \
	"$HERE/run-in-vm.sh" node node_modules/vitest/vitest.mjs run --config vm/vitest.config.ts \
	--reporter=default --reporter=junit --outputFile.junit=vm/out/junit.xml "$@" 2> "$err"
rc=$?
if [ "$rc" = 125 ]; then
	reason="$(grep -m1 -E '^run-in-vm: (error: |the VM stopped)' "$err" | sed 's/^run-in-vm: \(error: \)\{0,1\}//')"
	skip "the VM could not start: ${reason:-see run-in-vm.sh}"
fi
grep -v '^run-in-vm: timing' "$err" >&2
grep -m1 '^run-in-vm: timing' "$err" | sed 's/^run-in-vm/test-vm/' >&2
[ "$rc" = 124 ] && echo "test-vm: the VM run exceeded VM_TIMEOUT=${VM_TIMEOUT:-540}s" >&2
exit "$rc"
