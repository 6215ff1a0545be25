# Control: the mode LUKS uses by default, which never reaches the converted IV generators.
crypt_roundtrip xts-plain64 aes-xts-plain64 "$(key 64 xts)" 5
dm_create kpci-xts-fs "0 $SLICE_SECTORS crypt aes-xts-plain64 $(key 64 xts) 0 /dev/vda $((6 * SLICE_SECTORS))"
ext4_roundtrip /dev/mapper/kpci-xts-fs
dm_remove kpci-xts-fs
