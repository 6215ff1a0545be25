# Control: the mode LUKS uses by default, which never reaches the converted IV generators (no filesystem: the
# elephant scenario has one, and this mode's code is not what a kmap series changes).
# kpci-reaches: drivers/md/dm-crypt.c
# kpci-smoke
crypt_roundtrip xts-plain64 aes-xts-plain64 "$(key 64 xts)" 5
