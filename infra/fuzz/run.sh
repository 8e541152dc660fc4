#!/usr/bin/env bash
# Runs every fuzz target of the module, one at a time, for FUZZTIME each
# (go test -fuzz accepts one target per run), and prints per target the
# executions reached and the outcome. Targets are found by grepping
# `func FuzzX(` in the *_test.go files, so a new target is never forgotten.
# Exit status 1 when any target fails.
#
#   infra/fuzz/run.sh [FUZZTIME]      (default 30s; also "1000000x")
set -u
fuzztime="${1:-30s}"
go="${GO:-go}"
cd "$(dirname "$0")/../.." || exit 2

targets=$(git grep -n -E '^func Fuzz[A-Za-z0-9_]*\(' -- '*_test.go' 2>/dev/null ||
	grep -rn -E '^func Fuzz[A-Za-z0-9_]*\(' --include='*_test.go' .)
if [ -z "$targets" ]; then
	echo "no fuzz targets found" >&2
	exit 2
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed=0
summary=""
while IFS= read -r line; do
	file=${line%%:*}
	file=${file#./}
	name=$(sed -E 's/^[^:]*:[0-9]+:func (Fuzz[A-Za-z0-9_]*)\(.*/\1/' <<<"$line")
	pkg="./$(dirname "$file")"
	echo "=== $pkg $name (fuzztime $fuzztime)"
	start=$(date +%s)
	"$go" test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg" >"$log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	# The last "fuzz: elapsed: 45s, execs: 123456 (2743/sec), ..." line
	# carries the total of the run.
	execs=$(grep -oE 'fuzz: elapsed: [^,]+, execs: [0-9]+' "$log" | tail -n1 | sed -E 's/.*execs: //')
	execs=${execs:-0}
	if [ $rc -eq 0 ]; then
		outcome=PASS
	else
		outcome=FAIL
		failed=1
		grep -vE '^fuzz: elapsed:' "$log" | tail -n 40
	fi
	line=$(printf '%-4s %-26s %-22s %12s execs %5ss' "$outcome" "$name" "$pkg" "$execs" "$secs")
	echo "$line"
	summary+="$line"$'\n'
done <<<"$targets"

echo
echo "fuzz summary (fuzztime $fuzztime per target):"
printf '%s' "$summary"
exit $failed
