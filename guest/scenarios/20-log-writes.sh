# dm-log-writes over a data and a log slice of /dev/vdb: every write is copied (log_writes_map) and logged
# (write_metadata), marks too. The entry count it reports must match the log's superblock and cover every write.
# kpci-reaches: drivers/md/dm-log-writes.c
dm_create kpci-lw-data "0 $SLICE_SECTORS linear /dev/vdb 0"
dm_create kpci-lw-log "0 $((4 * SLICE_SECTORS)) linear /dev/vdb $SLICE_SECTORS"
dm_create kpci-lw "0 $SLICE_SECTORS log-writes /dev/mapper/kpci-lw-data /dev/mapper/kpci-lw-log"
dmsetup message kpci-lw 0 mark kpci-start || fail "mark kpci-start failed"
write_pattern /dev/mapper/kpci-lw
dmsetup message kpci-lw 0 mark kpci-written || fail "mark kpci-written failed"
verify_pattern /dev/mapper/kpci-lw "through log-writes"
sync /dev/mapper/kpci-lw
# the log is written by a kernel thread: wait until the count it reports stops moving
entries=-1 i=0
while [ $i -lt 50 ]; do
	now=$(dmsetup status kpci-lw | cut -d' ' -f4)
	[ "$now" = "$entries" ] && break
	entries=$now i=$((i + 1)); sleep 0.2
done
dm_remove kpci-lw
# log_write_super: le64 magic, le64 version, le64 nr_entries
super=$(dd if=/dev/mapper/kpci-lw-log bs=8 skip=2 count=1 2>/dev/null | od -An -tu8 | tr -d ' ')
echo "# kpci-log-writes entries=$entries superblock=$super"
# half the pattern as O_DIRECT writes of 64 KiB, at least one buffered write, two marks
least=$((PATTERN_BLOCKS / 2 + 3))
[ "$entries" -ge $least ] || fail "log-writes logged $entries entries, expected at least $least"
[ "$super" -ge "$entries" ] || fail "the log superblock counts $super entries, fewer than the $entries the target reported"
# the log holds the pattern once plus a sector per entry: read twice that, not the whole 64 MiB slice (seconds under TCG)
dd if=/dev/mapper/kpci-lw-log bs=65536 count=$((2 * PATTERN_BLOCKS + 16)) 2>/dev/null | strings >/tmp/lw-strings
for mark in kpci-start kpci-written; do
	grep -qx "$mark" /tmp/lw-strings || fail "mark $mark is not in the log"
done
verify_pattern /dev/mapper/kpci-lw-data "data device under log-writes"
