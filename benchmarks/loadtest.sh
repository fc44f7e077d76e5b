#!/usr/bin/env bash
# Load test on loopback: wrk against examples/basic, GET /me with a valid
# token vs the unauthenticated GET /healthz. Prints requests/s for each and
# the ratio. Bounded: DURATION (default 10s) per endpoint, then it stops
# the server. Needs wrk (Debian package wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${DURATION:-10s}"
connections="${CONNECTIONS:-32}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

dir="$(mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

go build -o "$dir/basic" ./examples/basic
: >"$dir/log"
JWT_SECRET="loadtest-secret-0123456789abcdef-0123456789" "$dir/basic" -addr 127.0.0.1:0 2>"$dir/log" &
server=$!
addr=""
for _ in $(seq 50); do
	addr="$(sed -n 's#.*listening on http://\([^ ]*\).*#\1#p' "$dir/log")"
	[ -n "$addr" ] && break
	sleep 0.1
done
[ -n "$addr" ] || { echo "server did not start:" >&2; cat "$dir/log" >&2; exit 1; }

token="$(curl -sf -X POST "http://$addr/login" -d '{"username":"alice","password":"wonderland"}' |
	sed 's/.*"access_token":"\([^"]*\)".*/\1/')"
curl -sf "http://$addr/me" -H "Authorization: Bearer $token" >/dev/null

rps() { sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p'; }
echo "wrk -t1 -c$connections -d$duration on $addr ($(nproc) cores shared by server and client)"
healthz="$(wrk -t1 -c"$connections" -d"$duration" "http://$addr/healthz" | rps)"
me="$(wrk -t1 -c"$connections" -d"$duration" -H "Authorization: Bearer $token" "http://$addr/me" | rps)"
printf 'GET /healthz  %10.0f req/s\nGET /me       %10.0f req/s\n/me ÷ /healthz %9.1f%%\n' "$healthz" "$me" "$(echo "100 * $me / $healthz" | bc -l)"
