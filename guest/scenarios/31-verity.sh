# dm-verity: hash the pattern, read it back verified, then flip one byte and expect the read to fail.
# kpci-reaches: drivers/md/dm-verity*.c drivers/md/dm-verity*.h drivers/md/dm-bufio.c
dm_create kpci-ver-data "0 $PATTERN_SECTORS linear /dev/vdb $((8 * SLICE_SECTORS))"
dm_create kpci-ver-hash "0 $SLICE_SECTORS linear /dev/vdb $((9 * SLICE_SECTORS))"
dd if="$PATTERN" of=/dev/mapper/kpci-ver-data bs=65536 oflag=direct 2>/dev/null || fail "writing the verity data failed"
root=$(veritysetup format /dev/mapper/kpci-ver-data /dev/mapper/kpci-ver-hash | sed -n 's/^Root hash:[[:space:]]*//p')
[ -n "$root" ] || fail "veritysetup format printed no root hash"
veritysetup open /dev/mapper/kpci-ver-data kpci-ver /dev/mapper/kpci-ver-hash "$root" || fail "veritysetup open failed"
dmsetup mknodes kpci-ver
verify_pattern /dev/mapper/kpci-ver "through dm-verity"
veritysetup close kpci-ver
printf 'X' | dd of=/dev/mapper/kpci-ver-data bs=1 seek=4096 conv=notrunc 2>/dev/null
sync
veritysetup open /dev/mapper/kpci-ver-data kpci-ver /dev/mapper/kpci-ver-hash "$root" || fail "veritysetup open (corrupted) failed"
dmsetup mknodes kpci-ver
if dd if=/dev/mapper/kpci-ver bs=4096 skip=1 count=1 iflag=direct of=/dev/null 2>/dev/null; then fail "dm-verity returned a corrupted block"; fi
veritysetup close kpci-ver
