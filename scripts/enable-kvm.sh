#!/usr/bin/env bash
# Let the runner's user open /dev/kvm, so QEMU guests run at native speed. Only on GitHub-hosted runners (the
# machine is thrown away after the job); elsewhere the host's permissions are the owner's business and are left as
# they are. QEMU still probes KVM itself and falls back to TCG when a guest does not start under it.
set -euo pipefail
if [ ! -e /dev/kvm ]; then echo "no /dev/kvm: guests will run under TCG"; exit 0; fi
if [ "${RUNNER_ENVIRONMENT:-}" != "github-hosted" ]; then echo "not a GitHub-hosted runner: /dev/kvm permissions left as they are"; exit 0; fi
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then echo "/dev/kvm is usable already"; exit 0; fi
echo 'KERNEL=="kvm", GROUP="kvm", MODE="0666", OPTIONS+="static_node=kvm"' | sudo tee /etc/udev/rules.d/99-kvm4all.rules >/dev/null
sudo udevadm control --reload-rules
sudo udevadm trigger --name-match=kvm
echo "/dev/kvm opened to the runner's user by a udev rule"
