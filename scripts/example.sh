#!/bin/sh
# Runs the example pods end to end on a real kernel: run, wait, exec, logs, inspect,
# events, rm. podrun (and so its supervisor and bridge) runs in a network namespace of
# the script's own, standing in for the host: the example never touches the machine's
# network (nsenter rather than `ip netns exec`, which would give it a private mount namespace).
set -eu
cd "$(dirname "$0")/.."
netns=podrun-example-$$
ip netns add "$netns"
ip -n "$netns" link set lo up
podrun="nsenter --net=/run/netns/$netns ./bin/podrun"
root=${PODRUN_ROOT:-/run/podrun-example}
image=$PWD/fixtures/build/busybox-rootfs
# The hello pod names an image from the store, imported from the rootfs tarball; the
# lifecycle pod gives a root filesystem directory by path.
manifest=$(sed "s|IMAGE|busybox:1.36|" examples/hello-pod.yaml)
export PODRUN_ROOT=$root
cleanup() { $podrun rm -f hello lifecycle >/dev/null 2>&1 || true; $podrun image rm -f busybox:1.36 >/dev/null 2>&1 || true; ip netns del "$netns"; }
trap cleanup EXIT
set -x
$podrun image import --name busybox:1.36 "$image.tar"
$podrun images
echo "$manifest" | $podrun run -f -
$podrun wait --for ready --timeout 30 hello
$podrun list
$podrun exec hello -- hostname
$podrun exec -c client hello -- wget -qO- http://127.0.0.1:8080/
$podrun logs -c client hello
$podrun inspect hello | head -n 12
$podrun inspect -o json hello | grep -A3 '"podIPs"'
$podrun rm -f hello
$podrun image rm busybox:1.36
# The lifecycle example: init container, sidecar, probes, hooks, events.
sed "s|IMAGE|$image|" examples/lifecycle-pod.yaml | $podrun run -f -
$podrun wait --for ready --timeout 30 lifecycle
$podrun exec -c app lifecycle -- cat /tmp/page
$podrun events lifecycle
$podrun rm -f lifecycle
set +x
trap - EXIT
ip netns del "$netns"
echo "example pods ran and were removed: nothing left under $root/pods: $(ls "$root/pods" | wc -l) entries"
