# A thin pool with a thin volume and a thin snapshot that keeps the old data.
# kpci-reaches: drivers/md/dm-thin*.c drivers/md/dm-thin*.h drivers/md/persistent-data/* drivers/md/dm-bio-prison*
lvm_vg
lvcreate -qq -y --type thin-pool -L 64m -n pool kpci >/dev/null || fail "lvcreate thin-pool failed"
lvcreate -qq -y -V 32m -T kpci/pool -n thin1 >/dev/null || fail "lvcreate thin volume failed"
write_pattern /dev/kpci/thin1
# -kn: without the activation-skip flag thin snapshots get by default, so it is active at once
lvcreate -qq -y -s -kn -n tsnap kpci/thin1 >/dev/null || fail "lvcreate thin snapshot failed"
dd if=/dev/zero of=/dev/kpci/thin1 bs=65536 count=$PATTERN_BLOCKS oflag=direct 2>/dev/null || fail "overwriting the thin volume failed"
verify_pattern /dev/kpci/tsnap "thin snapshot after the origin changed"
ext4_roundtrip /dev/kpci/thin1
