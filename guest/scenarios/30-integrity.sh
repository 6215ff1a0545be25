# dm-integrity in journal mode (crc32c tags) over a slice of /dev/vdb, with a filesystem on top.
# kpci-reaches: drivers/md/dm-integrity.c drivers/md/dm-bufio.c
dm_create kpci-int-back "0 $SLICE_SECTORS linear /dev/vdb $((5 * SLICE_SECTORS))"
integritysetup format -q --batch-mode /dev/mapper/kpci-int-back || fail "integritysetup format failed"
integritysetup open /dev/mapper/kpci-int-back kpci-int || fail "integritysetup open failed"
dmsetup mknodes kpci-int
write_pattern /dev/mapper/kpci-int
drop_caches
integritysetup close kpci-int
integritysetup open /dev/mapper/kpci-int-back kpci-int || fail "integritysetup open (again) failed"
dmsetup mknodes kpci-int
verify_pattern /dev/mapper/kpci-int "through dm-integrity"
integritysetup close kpci-int
