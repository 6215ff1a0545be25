# bitlk-compat-test in the default selection: each image opened once, with its passphrase, and its whole volume read
# and checked (the elephant diffuser decrypts every sector of it). The recovery passphrase and the volume-key open
# read the same volume through the same IV again, each read taking seconds under TCG: --suites full runs them.
s/^\tfor PASSPHRASE in \$PW \$RP ; do$/\tfor PASSPHRASE in $PW ; do/
/^\t# test with volume key$/,/^\techo " \[OK\]"$/d
# the passphrase is checked by the open that follows: the --test-passphrase open before it derives the same key
s/^\t\techo \$PASSPHRASE | \$CRYPTSETUP bitlkOpen -r \$file --test-passphrase >\/dev\/null 2>&1$/\t\ttrue/
