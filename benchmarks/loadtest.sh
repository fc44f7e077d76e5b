#!/usr/bin/env bash
# Load test on loopback: wrk against examples/basic, twice in one run:
# with revocations in memory, and with -redis-addr to a redis-server this
# script starts on a free loopback port. For each: GET /me with a valid
# token and the unauthenticated GET /healthz. Prints requests/s, the
# ratios /me ÷ /healthz and /me with Redis ÷ /me in memory, and the Redis
# commands per authenticated request (INFO commandstats before and after
# the /me runs with Redis). The four runs take turns, ROUNDS times
# (default 3), and the medians are compared, so that a burst of load from
# elsewhere on the machine does not decide a ratio. Bounded: DURATION
# (default 5s) per wrk run, 4 × ROUNDS runs; stops every process it
# started. Needs wrk (Debian package wrk) and
# redis-server and redis-cli (Debian package redis-server).
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${DURATION:-5s}"
rounds="${ROUNDS:-3}"
connections="${CONNECTIONS:-32}"
for tool in wrk redis-server redis-cli curl python3 bc; do
	command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install wrk redis-server curl python3 bc)" >&2; exit 1; }
done

dir="$(mktemp -d)"
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT

go build -o "$dir/basic" ./examples/basic

# redis-server on a free loopback port, without persistence.
redis_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" --daemonize no --logfile "$dir/redis.log" &
pids+=($!)
for _ in $(seq 50); do
	[ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = PONG ] && break
	sleep 0.1
done
[ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = PONG ] || { echo "redis-server did not start:" >&2; cat "$dir/redis.log" >&2; exit 1; }

# start NAME ARGS...: starts examples/basic on a free port, sets addr.
start() {
	local name="$1"
	shift
	: >"$dir/$name.log"
	JWT_SECRET="loadtest-secret-0123456789abcdef-0123456789" "$dir/basic" -addr 127.0.0.1:0 "$@" 2>"$dir/$name.log" &
	pids+=($!)
	addr=""
	for _ in $(seq 50); do
		addr="$(sed -n 's#.*listening on http://\([^ ]*\).*#\1#p' "$dir/$name.log")"
		[ -n "$addr" ] && return
		sleep 0.1
	done
	echo "examples/basic ($name) did not start:" >&2
	cat "$dir/$name.log" >&2
	exit 1
}

# login ADDR: prints a token of alice, after one /me with it.
login() {
	local token
	token="$(curl -sf -X POST "http://$1/login" -d '{"username":"alice","password":"wonderland"}' |
		sed 's/.*"access_token":"\([^"]*\)".*/\1/')"
	curl -sf "http://$1/me" -H "Authorization: Bearer $token" >/dev/null
	echo "$token"
}

# commands: the calls of each command Redis has run, INFO itself left
# out, one "name calls" a line.
commands() {
	redis-cli -p "$redis_port" info commandstats |
		awk -F'[:=,]' '/^cmdstat_/ && $1 != "cmdstat_info" { sub(/^cmdstat_/, "", $1); print $1, $3 }'
}

# count LINES: the sum of the calls in "name calls" lines.
count() { awk '{ n += $2 } END { print n + 0 }' <<<"$1"; }

# run URL [HEADER]: wrk; prints "<requests/s> <requests>".
run() {
	local out
	out="$(wrk -t1 -c"$connections" -d"$duration" ${2:+-H "$2"} "$1")"
	echo "$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' <<<"$out") $(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' <<<"$out")"
}

start memory
mem_addr="$addr"
start redis -redis-addr "127.0.0.1:$redis_port"
redis_addr="$addr"
mem_token="$(login "$mem_addr")"
redis_token="$(login "$redis_addr")"

echo "wrk -t1 -c$connections -d$duration, $rounds rounds, on loopback ($(nproc) cores shared by examples/basic, redis-server and wrk)"
mem_healthz=() mem_me=() redis_healthz=() redis_me=()
me_requests=0
: >"$dir/deltas"
for round in $(seq "$rounds"); do
	read -r r _ < <(run "http://$mem_addr/healthz")
	mem_healthz+=("$r")
	read -r r _ < <(run "http://$mem_addr/me" "Authorization: Bearer $mem_token")
	mem_me+=("$r")
	read -r r _ < <(run "http://$redis_addr/healthz")
	redis_healthz+=("$r")
	commands >"$dir/before"
	read -r r n < <(run "http://$redis_addr/me" "Authorization: Bearer $redis_token")
	commands >"$dir/after"
	redis_me+=("$r")
	me_requests=$((me_requests + n))
	# Per command: after minus before, summed over the rounds.
	awk 'NR == FNR { b[$1] = $2; next } { print $1, $2 - b[$1] }' "$dir/before" "$dir/after" >>"$dir/deltas"
	printf 'round %d: /healthz %.0f, /me %.0f in memory; /healthz %.0f, /me %.0f with Redis (req/s)\n' \
		"$round" "${mem_healthz[-1]}" "${mem_me[-1]}" "${redis_healthz[-1]}" "${redis_me[-1]}"
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
mh="$(median "${mem_healthz[@]}")" mm="$(median "${mem_me[@]}")"
rh="$(median "${redis_healthz[@]}")" rm_="$(median "${redis_me[@]}")"
pct() { echo "100 * $1 / $2" | bc -l; }
printf '\nmedians%15s %12s\n' "in memory" "with Redis"
printf '%-22s %12.0f %12.0f\n' "GET /healthz req/s" "$mh" "$rh"
printf '%-22s %12.0f %12.0f\n' "GET /me req/s" "$mm" "$rm_"
printf '%-22s %11.1f%% %11.1f%%\n' "/me ÷ /healthz" "$(pct "$mm" "$mh")" "$(pct "$rm_" "$rh")"
printf '/me with Redis ÷ /me in memory: %.1f%%\n' "$(pct "$rm_" "$mm")"
per_command="$(awk '{ n[$1] += $2 } END { for (c in n) if (n[c]) printf "%s %d\n", c, n[c] }' "$dir/deltas" | sort)"
redis_commands="$(count "$per_command")"
printf 'Redis commands during the /me runs with Redis: %d for %d requests, %.5f per request (%s)\n' \
	"$redis_commands" "$me_requests" "$(echo "$redis_commands / $me_requests" | bc -l)" "$(tr '\n' ' ' <<<"$per_command" | sed 's/ $//')"
