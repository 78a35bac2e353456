#!/usr/bin/env bash
# Installs everything tensorjit needs from Debian's packages (idempotent).
# Run as root, or with sudo available. Skips apt when every package is already present.
set -euo pipefail

packages=(
    build-essential cmake ninja-build ccache pkg-config git
    clang-16 llvm-16-dev libclang-16-dev libclang-cpp16-dev libclang-common-16-dev
    libclang-rt-16-dev libfuzzer-16-dev
    libboost-graph-dev catch2 libspdlog-dev libfmt-dev libopenblas-dev libbenchmark-dev
    libc6-dev zlib1g-dev libzstd-dev libedit-dev libxml2-dev libcurl4-openssl-dev libffi-dev
    libssl-dev libxxhash-dev nlohmann-json3-dev python3-numpy graphviz
    libhiredis-dev redis-server libcli11-dev libeigen3-dev
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "setup: all packages present"
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
