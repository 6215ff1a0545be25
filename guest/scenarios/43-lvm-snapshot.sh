# A snapshot keeps the old data while the origin changes, then merges back into the origin.
# kpci-reaches: drivers/md/dm-snap*.c drivers/md/dm-exception-store.* drivers/md/dm-kcopyd.c
lvm_vg
lvcreate -qq -y -L 16m -n origin kpci >/dev/null || fail "lvcreate origin failed"
write_pattern /dev/kpci/origin
lvcreate -qq -y -s -L 16m -n snap kpci/origin >/dev/null || fail "lvcreate snapshot failed"
dd if=/dev/zero of=/dev/kpci/origin bs=65536 count=$PATTERN_BLOCKS oflag=direct 2>/dev/null || fail "overwriting the origin failed"
verify_pattern /dev/kpci/snap "snapshot after the origin changed"
lvconvert -qq --merge -i 1 kpci/snap >/dev/null || fail "lvconvert --merge failed"
lvs kpci/snap >/dev/null 2>&1 && fail "the snapshot is still there after the merge"
verify_pattern /dev/kpci/origin "origin after merging the snapshot"
