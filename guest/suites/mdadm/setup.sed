# mdadm's driver makes its 14 loop devices' files (544 MiB) with dd from /dev/zero before every test, which takes
# minutes under TCG; a sparse file of the same size reads the same zeros.
s|dd if=/dev/zero of=\$targetdir/mdtest\$d count=\$sz bs=1K > /dev/null 2>&1|truncate -s ${sz}K $targetdir/mdtest$d|
