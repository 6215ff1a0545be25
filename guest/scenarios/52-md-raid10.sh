# md raid10 (two near copies over four slices of /dev/vda) with an internal bitmap: the bitmap under another
# personality, a degraded read, and a member re-added and resynced from the bitmap.
# kpci-reaches: drivers/md/raid10.c drivers/md/raid10.h drivers/md/raid1-10.c drivers/md/md-bitmap.c
# kpci-reaches: drivers/md/md-bitmap.h drivers/md/md.c drivers/md/md.h include/linux/raid/*
md_members r10 vda 4 12
set -- $MEMBERS
md_create md10 --level=10 --layout=n2 --raid-devices=4 --chunk=64K --bitmap=internal --bitmap-chunk=256K --delay=1 --assume-clean "$@"
write_pattern /dev/md10
verify_pattern /dev/md10 "raid10 with a bitmap"
mdadm /dev/md10 --fail "$1" --remove "$1" >/dev/null 2>&1 || fail "failing $1 out of /dev/md10 failed"
drop_caches
verify_pattern /dev/md10 "raid10 with a member missing"
mdadm /dev/md10 --re-add "$1" >/dev/null 2>&1 || fail "mdadm --re-add $1 failed"
md_wait_idle md10
md_stop md10
