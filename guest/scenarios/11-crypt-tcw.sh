# dm-crypt with the TrueCrypt IV generator (crypt_iv_tcw_gen/post): key = AES key + 16-byte IV seed + 16-byte whitening.
# kpci-reaches: drivers/md/dm-crypt.c drivers/md/dm-crypt.c:crypt_iv_tcw_*
crypt_roundtrip tcw aes-cbc-tcw "$(key 64 tcw)" 2
