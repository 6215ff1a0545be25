# A striped LV over both disks (64 KiB stripes).
# kpci-reaches: drivers/md/dm-stripe.c
lvm_vg
lvcreate -qq -y -i 2 -I 64k -L 16m -n str kpci >/dev/null || fail "lvcreate striped failed"
write_pattern /dev/kpci/str
lvchange -an kpci/str && lvchange -ay kpci/str || fail "re-activating kpci/str failed"
verify_pattern /dev/kpci/str "striped LV"
