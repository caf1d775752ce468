#!/usr/bin/env bash
# Installs the real data the tests read: Fashion-MNIST from Debian's dataset-fashion-mnist
# package, into /usr/share/datasets/fashion-mnist. Does nothing when it is already there.
set -euo pipefail
if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq dataset-fashion-mnist
fi
