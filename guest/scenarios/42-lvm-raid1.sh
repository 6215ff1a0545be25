# raid1 through dm-raid and md, with and without dm-integrity under each leg (--raidintegrity).
lvm_vg
lvcreate -qq -y --type raid1 -m 1 -L 16m -n r1 kpci >/dev/null || fail "lvcreate raid1 failed"
write_pattern /dev/kpci/r1
verify_pattern /dev/kpci/r1 "raid1 LV"
lvcreate -qq -y --type raid1 -m 1 --raidintegrity y -L 16m -n r1i kpci >/dev/null || fail "lvcreate raid1 --raidintegrity y failed"
write_pattern /dev/kpci/r1i
verify_pattern /dev/kpci/r1i "raid1 LV with integrity"
