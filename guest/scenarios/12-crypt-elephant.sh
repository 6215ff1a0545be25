# dm-crypt with BitLocker's Elephant diffuser (crypt_iv_elephant, nested mappings): key = AES key + Elephant key.
# kpci-reaches: drivers/md/dm-crypt.c drivers/md/dm-crypt.c:crypt_iv_elephant* drivers/md/dm-crypt.c:crypt_iv_eboiv_*
crypt_roundtrip elephant aes-cbc-elephant "$(key 64 elephant)" 3
dm_create kpci-elephant-fs "0 $SLICE_SECTORS crypt aes-cbc-elephant $(key 64 elephant) 0 /dev/vda $((4 * SLICE_SECTORS))"
ext4_roundtrip /dev/mapper/kpci-elephant-fs
dm_remove kpci-elephant-fs
