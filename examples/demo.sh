#!/usr/bin/env bash
# `npm run demo`: bring the lab up (a clean, Windows-era state), convert its guests with the
# demo playbook, then run it again to show that nothing is left to change.
# As root: the SSH lab (4 hosts x 5 guests behind a real sshd). As an ordinary user: your own
# session libvirtd, through a local connection. Nothing to configure either way.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/engine/cli.js ] || npm run --silent build
bash test/lab/lab-up.sh --reset
if [ "$(id -u)" = 0 ]; then inv=examples/inventory/lab.yml; else inv=examples/inventory/local.yml; fi
playbook=${1:-playbooks/linux-virtio.yml}
echo "== virtplay $playbook -i $inv --diff   (first run: converts the guests)"
node dist/engine/cli.js "$playbook" -i "$inv" --diff
echo
echo "== virtplay $playbook -i $inv   (second run: nothing to change)"
node dist/engine/cli.js "$playbook" -i "$inv"
