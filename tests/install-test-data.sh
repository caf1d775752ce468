#!/usr/bin/env bash
# Installs what the tests need from Debian's packages: the real data they read (Fashion-MNIST
# from dataset-fashion-mnist, into /usr/share/datasets/fashion-mnist) and, for the network test
# bed (tests/netbed), iproute2's ip and tc, and for the dashboard's browser test, chromium
# (Playwright drives it through ExecutablePath; browsers cannot be downloaded here). Installs
# nothing that is already there.
set -euo pipefail
packages=()
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || packages+=(dataset-fashion-mnist)
{ command -v ip && command -v tc; } >/dev/null || packages+=(iproute2)
[ -x /usr/bin/chromium ] || packages+=(chromium)
if [ ${#packages[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${packages[@]}"
fi
