#!/usr/bin/env bash
# Checks what Offload needs and installs what is missing when run as root.
#   deps.sh build   the .NET 10 SDK
#   deps.sh test    also the real gRPC peer used by the interop tests (Debian's grpcio, protoc)
# As non-root it prints exactly what is missing and the command that installs it.
set -euo pipefail
mode=${1:-test}
APT_TEST=(python3-grpcio python3-protobuf protobuf-compiler protobuf-compiler-grpc libprotobuf-dev python3-scapy python3-yaml iproute2 iputils-ping ethtool curl tshark openssl microsocks socat wrk nftables procps mininet etcd-server)

if ! command -v dotnet >/dev/null 2>&1 || ! dotnet --list-sdks 2>/dev/null | grep -q '^10\.'; then
  echo "deps: the .NET 10 SDK is missing (dotnet --list-sdks shows no 10.x)." >&2
  echo "deps: install it from Microsoft's Debian 12 packages: apt-get install -y dotnet-sdk-10.0" >&2
  exit 1
fi
[ "$mode" = build ] && exit 0

missing=()
for package in "${APT_TEST[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing Debian packages: ${missing[*]}" >&2
  echo "deps: install them with: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
