#!/bin/sh
# Runs the example pods end to end on a real kernel: run, wait, exec, logs, inspect,
# events, rm.
set -eu
cd "$(dirname "$0")/.."
podrun=./bin/podrun
root=${PODRUN_ROOT:-/run/podrun-example}
image=$PWD/fixtures/build/busybox-rootfs
manifest=$(sed "s|IMAGE|$image|" examples/hello-pod.yaml)
export PODRUN_ROOT=$root
cleanup() { $podrun rm -f hello lifecycle >/dev/null 2>&1 || true; }
trap cleanup EXIT
set -x
echo "$manifest" | $podrun run -f -
$podrun wait --for ready --timeout 30 hello
$podrun list
$podrun exec hello -- hostname
$podrun exec -c client hello -- wget -qO- http://127.0.0.1:8080/
$podrun logs -c client hello
$podrun inspect hello | head -n 12
$podrun rm -f hello
# The lifecycle example: init container, sidecar, probes, hooks, events.
sed "s|IMAGE|$image|" examples/lifecycle-pod.yaml | $podrun run -f -
$podrun wait --for ready --timeout 30 lifecycle
$podrun exec -c app lifecycle -- cat /tmp/page
$podrun events lifecycle
$podrun rm -f lifecycle
set +x
trap - EXIT
echo "example pods ran and were removed: nothing left under $root/pods: $(ls "$root/pods" | wc -l) entries"
