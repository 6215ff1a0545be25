# dm-cache and dm-writecache: slow LVs on one disk, each cached by a cachevol on the other.
# kpci-reaches: drivers/md/dm-cache-*.c drivers/md/dm-cache-*.h drivers/md/dm-writecache.c drivers/md/persistent-data/*
# kpci-reaches: drivers/md/dm-bio-prison*
lvm_vg
lvcreate -qq -y -L 16m -n slow kpci /dev/vdc >/dev/null || fail "lvcreate slow failed"
lvcreate -qq -y -L 16m -n wslow kpci /dev/vdc >/dev/null || fail "lvcreate wslow failed"
# the cachevols are created inactive (-an -Zn), as lvconvert wants them; lvconvert initialises them itself
lvcreate -qq -y -an -Zn -L 8m -n fast kpci /dev/vdd >/dev/null || fail "lvcreate fast failed"
lvcreate -qq -y -an -Zn -L 8m -n wfast kpci /dev/vdd >/dev/null || fail "lvcreate wfast failed"
lvconvert -qq -y --type cache --cachevol fast kpci/slow >/dev/null || fail "lvconvert --type cache failed"
lvconvert -qq -y --type writecache --cachevol wfast kpci/wslow >/dev/null || fail "lvconvert --type writecache failed"
write_pattern /dev/kpci/slow
write_pattern /dev/kpci/wslow
# both deactivated and activated again in one go: the caches are flushed and their metadata read back
vgchange -qq -an kpci >/dev/null && vgchange -qq -ay kpci >/dev/null || fail "re-activating the cached LVs failed"
verify_pattern /dev/kpci/slow "dm-cache LV"
verify_pattern /dev/kpci/wslow "dm-writecache LV"
