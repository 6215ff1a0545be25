# md raid1 with an internal write-intent bitmap over two slices of /dev/vda. Starting the array reads the bitmap's
# superblock and pages (md_bitmap_read_sb, md_bitmap_init_from_disk); every event rewrites it (bitmap_update_sb);
# the first write to a chunk sets its bit (md_bitmap_file_set_bit) and the daemon, every second here, clears it
# (md_bitmap_file_clear_bit, bitmap_daemon_work). A member failed, written past and re-added is resynced from the
# bitmap alone, then read on its own.
# kpci-reaches: drivers/md/md-bitmap.c drivers/md/md-bitmap.h drivers/md/md.c drivers/md/md.h drivers/md/raid1.c
# kpci-reaches: drivers/md/raid1.h drivers/md/raid1-10.c include/linux/raid/*
md_members r1 vda 2 6
set -- $MEMBERS
# --assume-clean: the slices are zeroes, so the two legs already agree
md_create md1 --level=1 --raid-devices=2 --bitmap=internal --bitmap-chunk=256K --delay=1 --assume-clean "$@"
write_pattern /dev/md1
verify_pattern /dev/md1 "raid1 with a bitmap"
md_wait_bitmap_clean "$1" # the bitmap daemon clears the bits of the chunks written
md_stop md1
mdadm --assemble --run /dev/md1 "$@" >/dev/null 2>&1 || fail "mdadm --assemble /dev/md1 failed"
verify_pattern /dev/md1 "raid1 after it was stopped and assembled again"

# While the second leg is out, the pattern goes 1 MiB further on: every chunk it covers changes and keeps its bit.
mdadm /dev/md1 --fail "$2" --remove "$2" >/dev/null 2>&1 || fail "failing $2 out of /dev/md1 failed"
dm_create kpci-md-r1-shifted "0 $PATTERN_SECTORS linear /dev/md1 2048"
write_pattern /dev/mapper/kpci-md-r1-shifted
dm_remove kpci-md-r1-shifted
mdadm /dev/md1 --re-add "$2" >/dev/null 2>&1 || fail "mdadm --re-add $2 failed"
md_wait_idle md1
# the first leg out: what is read now comes from the re-added leg, which only the bitmap resync brought up to date
mdadm /dev/md1 --fail "$1" --remove "$1" >/dev/null 2>&1 || fail "failing $1 out of /dev/md1 failed"
drop_caches
dm_create kpci-md-r1-shifted "0 $PATTERN_SECTORS linear /dev/md1 2048"
verify_pattern /dev/mapper/kpci-md-r1-shifted "raid1 read from the leg resynced from the bitmap"
dm_remove kpci-md-r1-shifted
md_stop md1
