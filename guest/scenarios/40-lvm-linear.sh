# LVM as users run it: a linear LV with data and an ext4 filesystem, deactivated and activated in between.
# kpci-reaches: drivers/md/dm-linear.c drivers/md/dm.c drivers/md/dm-core.h drivers/md/dm-table.c drivers/md/dm-ioctl.c
# kpci-reaches: drivers/md/dm-io.c drivers/md/dm-sysfs.c drivers/md/dm-rq.c include/linux/device-mapper.h include/uapi/linux/dm-ioctl.h
# kpci-smoke
lvm_vg
lvcreate -qq -y -L 32m -n lin kpci >/dev/null || fail "lvcreate linear failed"
write_pattern /dev/kpci/lin
lvchange -an kpci/lin && lvchange -ay kpci/lin || fail "re-activating kpci/lin failed"
verify_pattern /dev/kpci/lin "linear LV"
ext4_roundtrip /dev/kpci/lin
