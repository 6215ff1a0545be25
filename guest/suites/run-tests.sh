# The upstream suites' tests, sourced by /init after the scenarios (busybox sh). Each test runs in its own session
# under a timeout that kills the whole session (and is not rerun); a failing test is run again up to $reruns times before it counts
# as failed, so that a flaky one is told apart. One KTAP line per test, named suite:test.
# SUITE_EXEC runs one attempt: "SUITE_EXEC suite test mode", exit 0 pass, 77 skipped, other fail; SUITE_CLEANUP
# (default suite_cleanup) undoes what it left.

# run_suite_tests FIRST_NUMBER TIMEOUT_SECONDS RERUNS MODE suite:test…
run_suite_tests() {
	n=$1 limit=$2 reruns=$3 mode=$4
	shift 4
	for id; do
		suite=${id%%:*} test=${id#*:}
		attempts= try=0 rc=0 timed_out=
		while :; do
			try=$((try + 1))
			log=/tmp/suite-$suite-$test.$try.log
			rm -f "$log.killed"
			echo "# kpci-begin $n $id" # every attempt restarts the host's clock for this test
			setsid $SUITE_EXEC "$suite" "$test" "$mode" >"$log" 2>&1 </dev/null &
			pid=$!
			( sleep "$limit"; : >"$log.killed"; pkill -KILL -s "$pid" 2>/dev/null ) &
			watchdog=$!
			wait "$pid"
			rc=$?
			# the watchdog before its sleep: once the sleep ends, the watchdog would go on to kill
			kill "$watchdog" $(pgrep -P "$watchdog") 2>/dev/null
			wait "$watchdog" 2>/dev/null
			if [ -e "$log.killed" ]; then
				timed_out=$limit
				pkill -KILL -s "$pid" 2>/dev/null
			fi
			${SUITE_CLEANUP:-suite_cleanup} >>"$log" 2>&1
			case $rc in 0) attempts="$attempts pass" ;; 77) attempts="$attempts skip" ;; *) attempts="$attempts fail" ;; esac
			# a hang is not rerun: another would only take as long again
			[ $rc -eq 0 ] || [ $rc -eq 77 ] || [ -n "$timed_out" ] || [ $try -gt "$reruns" ] && break
		done
		t=$(cut -d' ' -f1 /proc/uptime)
		failed=$(echo $attempts | tr ' ' '\n' | grep -c fail)
		{
			echo "# kpci-time $id $t"
			echo "# kpci-attempts $id$attempts"
			if [ $rc -eq 77 ]; then
				echo "ok $n $id # SKIP $(grep -v '^\s*$' "$log" | tail -n 1 | cut -c1-200)"
			elif [ $rc -eq 0 ] && [ "$failed" -gt 0 ]; then
				grep -v '^\s*$' "/tmp/suite-$suite-$test.1.log" | tail -n 12 | sed 's/^/# /'
				echo "ok $n $id # flaky: failed $failed of $try attempts"
			elif [ $rc -eq 0 ]; then
				echo "ok $n $id"
			else
				grep -v '^\s*$' "$log" | tail -n 12 | sed 's/^/# /'
				why="failed $failed of $try attempts"
				[ -n "$timed_out" ] && why="$why, the last killed after ${timed_out}s"
				echo "not ok $n $id # $why"
			fi
		} >"/tmp/suite-$id.result"
		cat "/tmp/suite-$id.result"
		n=$((n + 1))
	done
}

# Whatever a killed or failed test left: arrays, mappings, loop devices (nothing else runs now).
suite_cleanup() {
	for md in /sys/block/md*; do [ -e "$md" ] && mdadm --stop "/dev/${md##*/}"; done
	for pass in 1 2 3; do dmsetup remove_all --force 2>/dev/null; done
	for loop in /sys/block/loop*; do [ -e "$loop/loop/backing_file" ] && losetup -d "/dev/${loop##*/}"; done
	return 0
}
