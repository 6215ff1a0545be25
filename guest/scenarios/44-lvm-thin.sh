# A thin pool with a thin volume and a thin snapshot that keeps the old data.
lvm_vg
lvcreate -qq -y --type thin-pool -L 64m -n pool kpci >/dev/null || fail "lvcreate thin-pool failed"
lvcreate -qq -y -V 32m -T kpci/pool -n thin1 >/dev/null || fail "lvcreate thin volume failed"
write_pattern /dev/kpci/thin1
lvcreate -qq -y -s -n tsnap kpci/thin1 >/dev/null || fail "lvcreate thin snapshot failed"
lvchange -qq -ay -K kpci/tsnap >/dev/null || fail "activating the thin snapshot failed"
dd if=/dev/zero of=/dev/kpci/thin1 bs=65536 count=$PATTERN_BLOCKS oflag=direct 2>/dev/null || fail "overwriting the thin volume failed"
verify_pattern /dev/kpci/tsnap "thin snapshot after the origin changed"
ext4_roundtrip /dev/kpci/thin1
