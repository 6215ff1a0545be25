# md raid5 with a write journal (raid5-cache) over slices of /dev/vda, in write-through mode (r5l_write_stripe
# checksums each page it logs) and then in write-back mode (r5c_cache_data). After the writes, the members are
# suspended and copied: an image of a power cut, journal not checkpointed. Assembling the copy runs journal
# recovery, which checks every logged page (r5l_recovery_verify_data_checksum) and, in write-back mode, logs the
# cached stripes again (r5c_recovery_rewrite_data_only_stripes); the recovered array must hold the pattern.
# kpci-reaches: drivers/md/raid5-cache.c drivers/md/raid5-log.h drivers/md/raid5.c drivers/md/raid5.h
# kpci-reaches: drivers/md/md.c drivers/md/md.h include/linux/raid/*
for mode in write-through write-back; do
	# three members and the journal on vda 8-11; the power-cut copies on vdb 10-13
	i=0
	while [ $i -lt 4 ]; do
		dd if=/dev/zero of=/dev/vda bs=65536 seek=$(((8 + i) * SLICE_SECTORS / 128)) count=$((SLICE_SECTORS / 128)) oflag=direct 2>/dev/null
		i=$((i + 1))
	done
	md_members r5 vda 4 8
	set -- $MEMBERS
	# --assume-clean: all-zero members already have the right parity
	md_create md5 --level=5 --raid-devices=3 --chunk=64K --assume-clean --write-journal "$4" "$1" "$2" "$3"
	echo $mode >/sys/block/md5/md/journal_mode || fail "journal_mode $mode is refused"
	grep -q "\[$mode\]" /sys/block/md5/md/journal_mode || fail "/dev/md5 is not in $mode mode: $(cat /sys/block/md5/md/journal_mode)"
	write_pattern /dev/md5
	verify_pattern /dev/md5 "raid5 with a $mode journal"
	# the power cut: no more I/O reaches the members while they are copied
	for m in 0 1 2 3; do dmsetup suspend "kpci-md-r5-$m" || fail "dmsetup suspend kpci-md-r5-$m failed"; done
	for m in 0 1 2 3; do
		dd if=/dev/vda of=/dev/vdb bs=65536 skip=$(((8 + m) * SLICE_SECTORS / 128)) seek=$(((10 + m) * SLICE_SECTORS / 128)) count=$((SLICE_SECTORS / 128)) iflag=direct oflag=direct 2>/dev/null || fail "copying member $m failed"
	done
	for m in 0 1 2 3; do dmsetup resume "kpci-md-r5-$m" || fail "dmsetup resume kpci-md-r5-$m failed"; done
	md_stop md5
	for m in 0 1 2 3; do dm_remove "kpci-md-r5-$m"; done
	md_members r5copy vdb 4 10
	set -- $MEMBERS
	dmesg -c >/dev/null
	mdadm --assemble --run /dev/md5 "$@" >/tmp/mdadm-md5.log 2>&1 || { cat /tmp/mdadm-md5.log; fail "assembling the power-cut copy ($mode) failed"; }
	echo "# kpci-md-recovery $mode: $(dmesg | grep -o 'recover[a-z]* [0-9]* data-only stripes and [0-9]* data-parity stripes' | head -n 1)"
	drop_caches
	verify_pattern /dev/md5 "raid5 recovered from its $mode journal after a power cut"
	md_stop md5
	for m in 0 1 2 3; do dm_remove "kpci-md-r5copy-$m"; done
done
