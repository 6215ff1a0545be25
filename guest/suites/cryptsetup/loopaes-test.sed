# loopaes-test in the default selection: the loop-AES v3 volume (64 keys and a seed: dm-crypt's lmk IV with its
# seed; v2 is lmk without one, v1 a plain IV) at one key size and offset, 1 of the 30 combinations: it fills,
# reopens (key file and stdin) and checks a 10 MB volume, which takes seconds under TCG. --suites full runs them all.
s/^KEY_SIZES=.*/KEY_SIZES="256"/
s/^KEY_FILES=.*/KEY_FILES="$KEYv3"/
s/^DEV_OFFSET=.*/DEV_OFFSET="0"/
