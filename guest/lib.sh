# Helpers shared by the guest scenarios (sourced by /init and by each scenario's shell).
# Disks: /dev/vda and /dev/vdb are raw scratch disks cut into slices with table offsets, /dev/vdc and /dev/vdd are
# LVM physical volumes. All start as zeroes, so ciphertext written through a deterministic mode hashes the same on
# every kernel. Slices: vda 0-5 and vdb 0-9 dm-crypt, log-writes, integrity and verity; vda 6-15 and vdb 10-13 md.
#
# Each scenario's header says what it reaches, for the host to choose the scenarios a series needs:
#   # kpci-reaches: FILE[:FUNCTION] …   (shell globs; FILE:FUNCTION is for code only this scenario reaches)
#   # kpci-smoke                         (run for every series: a quick check that the kernel still does I/O)

PATTERN=/tmp/pattern          # written and read back by every scenario
PATTERN_BLOCKS=32             # of 64 KiB: 2 MiB, enough for many bios and pages, small enough for TCG
PATTERN_SECTORS=$((PATTERN_BLOCKS * 128))
SLICE_SECTORS=32768           # 16 MiB: one slice of a raw disk per mapping

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }

# Every 7-byte line differs, so a sector written to the wrong place or with the wrong IV changes the checksum.
pattern_init() {
	seq -w 0 999999 | head -c $((PATTERN_BLOCKS * 65536)) >"$PATTERN"
	sha256sum <"$PATTERN" | cut -d' ' -f1 >"$PATTERN.sum"
}

# A deterministic hex key of $1 bytes derived from the label $2.
key() {
	k= i=0
	while [ ${#k} -lt $(($1 * 2)) ]; do k="$k$(echo "$2-$i" | sha256sum | cut -c1-64)"; i=$((i + 1)); done
	echo "$k" | cut -c1-$(($1 * 2))
}

# dmsetup without udev: create the mapping, then its /dev/mapper node.
dm_create() {
	dmsetup create --noudevsync "$1" --table "$2" || fail "dmsetup create $1 ($2) failed"
	dmsetup mknodes "$1"
}
dm_remove() { dmsetup remove --noudevsync "$1" || fail "dmsetup remove $1 failed"; }

drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }

# The pattern onto $1: the first half by four O_DIRECT writers at once, the second half by two buffered writers,
# so several tasks hold mappings while they are preempted.
write_pattern() {
	pids= q=$((PATTERN_BLOCKS / 8))
	for i in 0 1 2 3; do
		dd if="$PATTERN" of="$1" bs=65536 count=$q skip=$((i * q)) seek=$((i * q)) oflag=direct 2>/dev/null & pids="$pids $!"
	done
	for i in 0 1; do
		dd if="$PATTERN" of="$1" bs=65536 count=$((2 * q)) skip=$((4 * q + i * 2 * q)) seek=$((4 * q + i * 2 * q)) conv=notrunc 2>/dev/null & pids="$pids $!"
	done
	for p in $pids; do wait "$p" || fail "a writer to $1 failed"; done
	sync "$1" # fsync: a flush reaches the target (dm-log-writes logs pending writes on a flush)
}

# Read $1 back twice (O_DIRECT, then through the page cache) and compare with the pattern.
verify_pattern() {
	want=$(cat "$PATTERN.sum")
	got=$(dd if="$1" bs=65536 count=$PATTERN_BLOCKS iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)
	[ "$got" = "$want" ] || fail "read-back of $1 with O_DIRECT differs from what was written (${2:-data})"
	drop_caches
	got=$(dd if="$1" bs=65536 count=$PATTERN_BLOCKS 2>/dev/null | sha256sum | cut -d' ' -f1)
	[ "$got" = "$want" ] || fail "buffered read-back of $1 differs from what was written (${2:-data})"
}

# sha256 of $3 sectors of raw device $1 from sector $2 (both multiples of 128).
raw_hash() { dd if="$1" bs=65536 skip=$(($2 / 128)) count=$(($3 / 128)) iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1; }

# ext4 on $1 (16 MiB or more) with three files (a quarter of the pattern each) written at once, unmounted, fsck'd, mounted again, compared.
ext4_roundtrip() {
	mnt=/mnt/$SCENARIO # one mount point per scenario: the other queue may have a filesystem mounted too
	mkdir -p "$mnt"
	mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$1" || fail "mkfs.ext4 on $1 failed"
	mount -t ext4 "$1" "$mnt" || fail "mounting ext4 on $1 failed"
	pids= f=$((PATTERN_BLOCKS / 4))
	for i in 0 1 2; do dd if="$PATTERN" of="$mnt/file$i" bs=65536 count=$f skip=$((i * f)) 2>/dev/null & pids="$pids $!"; done
	for p in $pids; do wait "$p" || fail "writing a file on $1 failed"; done
	umount "$mnt"
	e2fsck -fn "$1" >"/tmp/fsck-$SCENARIO.log" 2>&1 || { cat "/tmp/fsck-$SCENARIO.log"; fail "e2fsck found errors on $1"; }
	mount -t ext4 -o ro "$1" "$mnt" || fail "mounting ext4 on $1 again failed"
	for i in 0 1 2; do
		want=$(dd if="$PATTERN" bs=65536 count=$f skip=$((i * f)) 2>/dev/null | sha256sum | cut -d' ' -f1)
		[ "$(sha256sum <"$mnt/file$i" | cut -d' ' -f1)" = "$want" ] || { umount "$mnt"; fail "file$i on ext4 over $1 differs"; }
	done
	umount "$mnt"
}

# dm-crypt over slice $4 of /dev/vda: write, drop caches, tear down, re-create, read back, report the ciphertext hash.
crypt_roundtrip() {
	name=$1 table="0 $PATTERN_SECTORS crypt $2 $3 0 /dev/vda $(($4 * SLICE_SECTORS))"
	dm_create "kpci-$name" "$table"
	write_pattern "/dev/mapper/kpci-$name"
	drop_caches
	dm_remove "kpci-$name"
	dm_create "kpci-$name" "$table"
	verify_pattern "/dev/mapper/kpci-$name" "$2"
	dm_remove "kpci-$name"
	echo "# kpci-hash $name $(raw_hash /dev/vda $(($4 * SLICE_SECTORS)) $PATTERN_SECTORS)"
}

# md arrays: no udev in the guest, so mdadm makes its own device nodes
export MDADM_NO_UDEV=1

# Members of an md array: $3 dm-linear slices of /dev/$2 from slice $4 on, named kpci-md-$1-N, in $MEMBERS.
md_members() {
	MEMBERS= i=0
	while [ $i -lt "$3" ]; do
		dm_create "kpci-md-$1-$i" "0 $SLICE_SECTORS linear /dev/$2 $((($4 + i) * SLICE_SECTORS))"
		MEMBERS="$MEMBERS /dev/mapper/kpci-md-$1-$i"
		i=$((i + 1))
	done
}

# mdadm --create /dev/$1 with the options that follow; --run: no question about members that look used.
md_create() {
	md=$1
	shift
	mdadm --create "/dev/$md" --run --quiet --metadata=1.2 --homehost=kpci "$@" >"/tmp/mdadm-$md.log" 2>&1 ||
		{ cat "/tmp/mdadm-$md.log"; fail "mdadm --create /dev/$md $* failed"; }
}

md_stop() { mdadm --stop "/dev/$1" >/dev/null 2>&1 || fail "mdadm --stop /dev/$1 failed"; }

# Wait until /dev/$1 has all its members and no resync or recovery runs.
md_wait_idle() {
	i=0
	until [ "$(cat "/sys/block/$1/md/sync_action")" = idle ] && [ "$(cat "/sys/block/$1/md/degraded" 2>/dev/null || echo 0)" = 0 ]; do
		i=$((i + 1)); [ $i -le 300 ] || fail "/dev/$1 did not finish its recovery ($(cat "/sys/block/$1/md/sync_action"))"
		sleep 0.2
	done
}

# Wait (up to 20 s) until the write-intent bitmap on member $1 has no dirty chunk: the daemon clears a chunk's bit
# only on its second pass after the last write to it, which under TCG can take well over two daemon periods. The
# page cache is dropped before each look, since md writes the bitmap past it.
md_wait_bitmap_clean() {
	i=0
	while [ $i -lt 40 ]; do
		drop_caches
		mdadm -X "$1" 2>/dev/null | grep -q ', 0 dirty' && return 0
		i=$((i + 1))
		sleep 0.5
	done
	echo "kpci: the bitmap on $1 still has dirty chunks after 20 s"
}

# Whether lvm answers at all, probed once per boot: an lvm that hangs (seen with an i386 kernel without
# COMPAT_32BIT_TIME) would otherwise run every LVM scenario into its timeout.
lvm_usable() {
	[ -f /tmp/lvm.usable ] || { timeout 10 lvm version >/dev/null 2>&1 && echo yes || echo no; } >/tmp/lvm.usable
	[ "$(cat /tmp/lvm.usable)" = yes ]
}

# A volume group "kpci" on the two LVM disks. Created by the first LVM scenario and kept for the next ones (each LVM
# command takes over half a second under TCG); cleanup_devices removes its LVs.
lvm_vg() {
	lvm_usable || skip "lvm does not answer within 10 s in this guest"
	[ -f /tmp/lvm.vg ] && return 0
	vgcreate -qq -y kpci /dev/vdc /dev/vdd >/dev/null || fail "vgcreate failed"
	: >/tmp/lvm.vg
}

# Undo whatever scenario $1 of queue $2 (lvm or raw) left, so that the next one starts clean even after a failure.
# Only that queue's devices: the other queue is running beside it.
cleanup_devices() {
	umount "/mnt/$1" 2>/dev/null
	if [ "$2" = lvm ]; then
		# every LV goes; should that fail, the VG goes too and the next LVM scenario creates it again
		if [ -f /tmp/lvm.vg ] && ! lvremove -qq -ff -y kpci >/dev/null 2>&1; then
			vgremove -qq -ff kpci >/dev/null 2>&1
			rm -f /tmp/lvm.vg
		fi
	fi
	# md arrays sit on the raw queue's slices: stop them before their members can go
	if [ "$2" = raw ]; then
		for md in /sys/block/md*; do
			[ -e "$md" ] && mdadm --stop "/dev/${md##*/}" >/dev/null 2>&1
		done
	fi
	remove_mappings "$2"
	return 0
}

# Remove the device-mapper devices of queue $1: LVM's (their UUIDs start with LVM-) or all the others. Stacked ones
# can only go once the devices on top are gone, hence the passes.
remove_mappings() {
	for pass in 1 2 3; do
		names=$(dmsetup info -c --noheadings -o name,uuid --separator ' ' 2>/dev/null |
			awk -v queue="$1" '$1 != "No" && (($2 ~ /^LVM-/) == (queue == "lvm")) { print $1 }')
		[ -n "$names" ] || return 0
		for dm in $names; do dmsetup remove --noudevsync --force "$dm" >/dev/null 2>&1; done
	done
}
