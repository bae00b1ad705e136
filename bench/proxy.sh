#!/usr/bin/env bash
# bench/proxy.sh: requests per second of cookie_consent + reverse_proxy against
# plain reverse_proxy, side by side in one run, with wrk on loopback.
#
#   bash bench/proxy.sh [PAGE.html] [SECONDS]
#
# PAGE defaults to a tracker-heavy page of the shared corpus (read in place,
# never copied). Needs wrk (apt-get install wrk). Prints a table and ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
page=${1:-../shared/corpus/readability/cnn.html}
secs=${2:-10}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

go build -o "$work/caddy" ./cmd/caddy
mkdir -p "$work/site"
cp "$page" "$work/site/index.html"
cat >"$work/Caddyfile" <<CADDY
{
	admin off
	log {
		level ERROR
	}
}
# The upstream: a static page with the cookies a legacy site sets.
http://127.0.0.1:9100 {
	root * $work/site
	header {
		+Set-Cookie "JSESSIONID=s; Path=/; HttpOnly"
		+Set-Cookie "_ga=GA1.1.1.1; Path=/; Max-Age=63072000"
		+Set-Cookie "_gcl_au=1.1; Path=/; Max-Age=7776000"
	}
	file_server
}
http://127.0.0.1:9101 {
	reverse_proxy 127.0.0.1:9100
}
http://127.0.0.1:9102 {
	cookie_consent {
		policy $PWD/examples/legacy-site/policy.yaml
	}
	reverse_proxy 127.0.0.1:9100
}
CADDY
"$work/caddy" run --config "$work/Caddyfile" --adapter caddyfile >"$work/log" 2>&1 &
for _ in $(seq 50); do curl -fs -o /dev/null http://127.0.0.1:9102/ && break; sleep 0.2; done
curl -fs -o /dev/null http://127.0.0.1:9102/ || { cat "$work/log"; exit 1; }

run() { # port, extra header
	wrk -t2 -c32 -d"${secs}s" -H "Accept: text/html" ${2:+-H "$2"} "http://127.0.0.1:$1/" | awk '/Requests\/sec/ {print $2} /Transfer\/sec/ {print $2}' | head -1
}
plain=$(run 9101)
noconsent=$(run 9102)
withcookies=$(run 9102 "Cookie: JSESSIONID=s; _ga=GA1.1.1.1; _gcl_au=1; lang=sv")
printf '%-52s %12s %8s\n' "setup ($(basename "$page"), $(wc -c <"$page") bytes)" "req/s" "ratio"
printf '%-52s %12s %8s\n' "reverse_proxy" "$plain" "1.00"
printf '%-52s %12s %8.2f\n' "cookie_consent + reverse_proxy (first visit)" "$noconsent" "$(echo "$noconsent / $plain" | bc -l)"
printf '%-52s %12s %8.2f\n' "cookie_consent + reverse_proxy (cookies to expire)" "$withcookies" "$(echo "$withcookies / $plain" | bc -l)"
