# dm-crypt with the loop-AES IV generator (crypt_iv_lmk_gen/post): v2 with one key, v3 with 64 keys and a seed.
# kpci-reaches: drivers/md/dm-crypt.c drivers/md/dm-crypt.c:crypt_iv_lmk_*
crypt_roundtrip lmk-v2 aes-cbc-lmk "$(key 32 lmk-v2)" 0
crypt_roundtrip lmk-v3 aes:64-cbc-lmk "$(key 1040 lmk-v3)" 1
