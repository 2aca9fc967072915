#!/bin/sh
# Installs the Debian packages podrun and its tests need, only when missing:
#   catatonit       the pause holder of every pod
#   busybox-static  the test/example root filesystem
#   iproute2        ip(8), used by tests to look at interfaces
#   nftables        nft(8), which publishes hostPorts (src/net/nftables.ts)
#   libseccomp2     libseccomp.so.2, which compiles seccomp profiles (usually present)
#   util-linux      ipcmk/ipcs for the SysV IPC tests (usually present)
#   zstd            zstd(1), which decompresses zstd image layers (src/image/layer/decompress.ts)
#   skopeo, umoci   make the OCI layouts and archives the image tests import
#   docker-registry the registry the image pull tests start on a loopback port
#   openssl         the certificate of the pull tests' token server
#   python3         the terminal tests' pty driver (test/integration/pty-driver.py)
set -eu
need=""
command -v catatonit >/dev/null 2>&1 || [ -x /usr/bin/catatonit ] || need="$need catatonit"
[ -x /usr/bin/busybox ] || need="$need busybox-static"
command -v ip >/dev/null 2>&1 || need="$need iproute2"
command -v nft >/dev/null 2>&1 || [ -x /usr/sbin/nft ] || need="$need nftables"
command -v ipcmk >/dev/null 2>&1 || need="$need util-linux"
command -v python3 >/dev/null 2>&1 || need="$need python3"
ldconfig -p 2>/dev/null | grep -q 'libseccomp\.so\.2 ' || need="$need libseccomp2"
command -v zstd >/dev/null 2>&1 || need="$need zstd"
command -v skopeo >/dev/null 2>&1 || need="$need skopeo"
command -v umoci >/dev/null 2>&1 || need="$need umoci"
command -v docker-registry >/dev/null 2>&1 || need="$need docker-registry"
command -v openssl >/dev/null 2>&1 || need="$need openssl"
[ -z "$need" ] && exit 0
echo "installing:$need" >&2
export DEBIAN_FRONTEND=noninteractive
# Try with the lists we have first; refresh them only if that fails.
apt-get install -y $need || { apt-get update && apt-get install -y $need; }
# The package starts a registry on :5000 for everyone; the tests start their own.
case "$need" in *docker-registry*)
  if [ -d /run/systemd/system ]; then systemctl disable --now docker-registry.service || true
  else invoke-rc.d docker-registry stop || true; update-rc.d docker-registry disable || true; fi ;;
esac
