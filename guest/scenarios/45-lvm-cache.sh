# dm-cache and dm-writecache: a slow LV on one disk cached by a cachevol on the other.
lvm_vg
lvcreate -qq -y -L 16m -n slow kpci /dev/vdc >/dev/null || fail "lvcreate slow failed"
lvcreate -qq -y -L 8m -n fast kpci /dev/vdd >/dev/null || fail "lvcreate fast failed"
lvchange -an kpci/fast && lvconvert -qq -y --type cache --cachevol fast kpci/slow >/dev/null || fail "lvconvert --type cache failed"
write_pattern /dev/kpci/slow
lvchange -an kpci/slow && lvchange -ay kpci/slow || fail "re-activating the cached LV failed"
verify_pattern /dev/kpci/slow "dm-cache LV"
lvremove -qq -y kpci/slow >/dev/null
lvcreate -qq -y -L 16m -n wslow kpci /dev/vdc >/dev/null || fail "lvcreate wslow failed"
lvcreate -qq -y -L 8m -n wfast kpci /dev/vdd >/dev/null || fail "lvcreate wfast failed"
lvchange -an kpci/wfast && lvconvert -qq -y --type writecache --cachevol wfast kpci/wslow >/dev/null || fail "lvconvert --type writecache failed"
write_pattern /dev/kpci/wslow
lvchange -an kpci/wslow && lvchange -ay kpci/wslow || fail "re-activating the writecache LV failed"
verify_pattern /dev/kpci/wslow "dm-writecache LV"
