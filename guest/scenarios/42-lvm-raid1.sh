# raid1 through dm-raid and md, with and without dm-integrity under each leg (--raidintegrity).
# kpci-reaches: drivers/md/dm-raid.c drivers/md/md-bitmap.c drivers/md/md-bitmap.c:md_bitmap_new_disk_sb drivers/md/md-bitmap.h
# kpci-reaches: drivers/md/md.c drivers/md/md.h drivers/md/raid1.c drivers/md/raid1-10.c drivers/md/dm-integrity.c
lvm_vg
lvcreate -qq -y --type raid1 -m 1 -L 16m -n r1 kpci >/dev/null || fail "lvcreate raid1 failed"
write_pattern /dev/kpci/r1
verify_pattern /dev/kpci/r1 "raid1 LV"
# the cleanup's lvremove stops r1: not while md still resyncs it (see below)
i=0
until [ "$(lvs --noheadings -o sync_percent kpci/r1 | tr -d ' ')" = 100.00 ]; do
	i=$((i + 1)); [ $i -le 100 ] || fail "kpci/r1 did not finish its resync"; sleep 0.2
done
# --nosync: lvcreate stops the new raid again to put dm-integrity under its legs, and a 6.1 dm-raid that is stopped
# while md resyncs can hang there for good (seen under TCG, "md: mdX: resync interrupted"). Only written blocks are read.
lvcreate -qq -y --type raid1 -m 1 --raidintegrity y --nosync -L 16m -n r1i kpci >/dev/null || fail "lvcreate raid1 --raidintegrity y failed"
write_pattern /dev/kpci/r1i
verify_pattern /dev/kpci/r1i "raid1 LV with integrity"
