#!/usr/bin/env bash
# bench/run.sh: what consent enforcement costs, side by side with a plain
# proxy, nginx and lol-html, on one machine in one run (docs/BENCHMARKS.md).
#
#   bash bench/run.sh [--quick] [--rounds N] [--seconds S] [--out DIR]
#
# It installs what is missing (Debian's wrk and nginx, npm's
# html-rewriter-wasm into bench/.cache), builds ./cmd/caddy and the helper
# programs, starts an upstream on loopback (bench/upstream: a 1 KB JSON, a
# 12 KB, a 100 KB and a 1 MB tracker-laden page from the shared corpus, and
# slowly streamed pages) and then measures:
#   1. wrk at 16 and 128 connections against (a) Caddy reverse_proxy,
#      (b) cookie_consent + reverse_proxy with no consent cookie, (c) the
#      same with every category granted, (d) nginx proxy_pass, (e) nginx with
#      sub_filter inserting the banner markup (b) inserts, byte for byte, and
#      proxy_hide_header Set-Cookie — each plain and behind
#      encode gzip / gzip on — the setups alternating, every round in a new
#      order; req/s, p50/p99 and the proxy process's CPU time per request;
#   2. peak RSS with 1,000 concurrent slow 10 MB pages, and the time to first
#      byte of a slowly streamed page;
#   3. the per-request hot paths (go test -bench) and the HTML rewriter
#      against x/net/html's tokenizer and lol-html over the corpus.
# The report (report.md) and the raw numbers go to --out (default
# bench/out/<time>); the report is also printed.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

rounds=5
seconds=2
quick=0
out=""
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 rounds=2 seconds=1 ;;
	--rounds) rounds=$2; shift ;;
	--seconds) seconds=$2; shift ;;
	--out) out=$2; shift ;;
	-h | --help) sed -n '2,25p' "$0"; exit 0 ;;
	*) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done
shared=${CONSENTGATE_SHARED:-$repo/../shared}
corpus=$shared/corpus
[ -d "$corpus" ] || { echo "the shared corpus is not at $corpus (set CONSENTGATE_SHARED)" >&2; exit 1; }
out=${out:-$repo/bench/out/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Ports: BENCH_PORT (default 19100) and the nine after it.
base=${BENCH_PORT:-19100}
port_up=$base
port_a=$((base + 1)) port_a_gz=$((base + 2)) port_cg=$((base + 3)) port_cg_gz=$((base + 4))
port_d=$((base + 11)) port_d_gz=$((base + 12)) port_e=$((base + 13)) port_e_gz=$((base + 14))
for p in $port_up $port_a $port_a_gz $port_cg $port_cg_gz $port_d $port_d_gz $port_e $port_e_gz; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		echo "port $p is in use; set BENCH_PORT to a free range" >&2
		exit 1
	fi
done

# --- what the run needs -----------------------------------------------------
missing=()
command -v wrk >/dev/null || missing+=(wrk)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || missing+=(nginx)
if [ ${#missing[@]} -gt 0 ]; then
	log "installing ${missing[*]} (apt-get)"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq "${missing[@]}" >/dev/null
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
lol=$repo/bench/.cache/lolhtml
if command -v node >/dev/null && [ ! -d "$lol/node_modules/html-rewriter-wasm" ]; then
	log "installing html-rewriter-wasm (npm) into bench/.cache"
	mkdir -p "$lol"
	npm install --prefix "$lol" --no-save --no-audit --no-fund --silent html-rewriter-wasm@0.4.1 >/dev/null
fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

log "building ./cmd/caddy and the bench programs"
go build -o "$work/caddy" ./cmd/caddy
go build -o "$work/upstream" ./bench/upstream
go build -o "$work/ttfb" ./bench/ttfb
go build -o "$work/report" ./bench/report

# --- processes ---------------------------------------------------------------
cpu_ticks() { # utime+stime of the given pids, in clock ticks
	local t=0 p f
	for p in "$@"; do
		# The fields after the command name, which may hold spaces: utime is the 12th.
		f=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null) || continue
		set -- $f
		t=$((t + ${12} + ${13}))
	done
	echo $t
}
wait_http() { # url
	for _ in $(seq 100); do
		curl -fs -o /dev/null "$1" && return 0
		sleep 0.1
	done
	echo "no answer from $1" >&2
	return 1
}

"$work/upstream" -addr "127.0.0.1:$port_up" -corpus "$corpus" -list >"$out/pages.tsv"
"$work/upstream" -addr "127.0.0.1:$port_up" -corpus "$corpus" 2>"$work/upstream.log" &
pids+=($!)
wait_http "http://127.0.0.1:$port_up/api.json"

fill() { # template > file
	sed -e "s|@WORK@|$work|g" -e "s|@POLICY@|$repo/bench/config/policy.yaml|g" \
		-e "s|@PORT_UP@|$port_up|g" -e "s|@PORT_A@|$port_a|g" -e "s|@PORT_A_GZ@|$port_a_gz|g" \
		-e "s|@PORT_CG@|$port_cg|g" -e "s|@PORT_CG_GZ@|$port_cg_gz|g" \
		-e "s|@PORT_D@|$port_d|g" -e "s|@PORT_D_GZ@|$port_d_gz|g" \
		-e "s|@PORT_E@|$port_e|g" -e "s|@PORT_E_GZ@|$port_e_gz|g" "$1"
}
fill bench/config/Caddyfile.tmpl >"$work/Caddyfile"
fill bench/config/nginx.conf.tmpl >"$work/nginx.conf"
mkdir -p "$work/nginx-tmp"

# --- requests as browsers make them --------------------------------------------
page_headers=(-H 'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'
	-H 'Accept-Encoding: gzip, deflate, br, zstd' -H 'Accept-Language: en-US,en;q=0.9'
	-H 'Sec-Fetch-Dest: document' -H 'Sec-Fetch-Mode: navigate' -H 'Sec-Fetch-Site: none'
	-H 'Upgrade-Insecure-Requests: 1'
	-H 'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36')
json_headers=(-H 'Accept: application/json' -H 'Accept-Encoding: gzip, deflate, br, zstd'
	-H 'Sec-Fetch-Dest: empty' -H 'Sec-Fetch-Mode: cors' -H 'Sec-Fetch-Site: same-origin'
	-H 'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36')
session='JSESSIONID=5a1b2c3d4e5f'

caddy_pid=""
start_caddy() {
	"$work/caddy" run --config "$work/Caddyfile" --adapter caddyfile >>"$work/caddy.log" 2>&1 &
	caddy_pid=$!
	pids+=($caddy_pid)
	wait_http "http://127.0.0.1:$port_cg/api.json"
}
stop_caddy() {
	kill "$caddy_pid" 2>/dev/null || true
	wait "$caddy_pid" 2>/dev/null || true
}
start_caddy
# (e)'s snippet: the banner markup cookie_consent inserts before </body> of
# the 12 KB page for a visitor without consent, as sent, so that nginx
# inserts (and compresses) as many bytes of the same kind as we do.
curl -fs --compressed "${page_headers[@]}" -H "Cookie: $session" \
	"http://127.0.0.1:$port_cg/12k.html" >"$work/banner.html"
# nginx reads a parameter of at most 4 KiB: the markup goes into variables
# of 2,000 characters each, joined in sub_filter's replacement. In nginx's
# single-quoted strings a quote and a backslash are escaped; a '$' would be
# read as a variable.
perl -0777 -ne 'if (m{(<link rel="stylesheet" href="[^"]*/_consent/banner\.css.*?)</body>}s) {
		my $m = $1; die "a \$ in the banner markup\n" if $m =~ /\$/;
		my $vars = "";
		for (my $i = 0; $i * 2000 < length $m; $i++) {
			(my $part = substr($m, $i * 2000, 2000)) =~ s/([\\\x27])/\\$1/g;
			print "set \$cg_banner_$i \x27$part\x27;\n"; $vars .= "\$cg_banner_$i";
		}
		print "sub_filter \x27</body>\x27 \x27$vars</body>\x27;\n" }' \
	"$work/banner.html" >"$work/snippet.conf"
[ -s "$work/snippet.conf" ] || { echo "no banner markup in (b)'s /12k.html" >&2; exit 1; }
"$nginx_bin" -e "$work/nginx-error.log" -p "$work" -c "$work/nginx.conf" &
nginx_pid=$!
pids+=($nginx_pid)
wait_http "http://127.0.0.1:$port_d/api.json"
nginx_workers=$(pgrep -P "$nginx_pid" | tr '\n' ' ')

# (c): a real consent cookie, every category granted, from the endpoint.
consent=$(curl -fs -o /dev/null -D - -X POST -H 'Sec-Fetch-Site: same-origin' -d 'choice=accept_all&return=/' \
	"http://127.0.0.1:$port_cg/_consent/consent" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(cookie_consent=[^;]*\).*/\1/p')
[ -n "$consent" ] || { echo "no consent cookie from POST /_consent/consent" >&2; exit 1; }
granted="$session; $consent; _ga=GA1.1.1234567890.1700000000; _ga_ABC123=GS1.1.1700000000.1.0.1700000000.0.0.0; _gcl_au=1.1.1234567890.1700000000; lang=sv"

# setup name → port, cookie header, whose CPU
declare -A port=([a]=$port_a [a+gz]=$port_a_gz [b]=$port_cg [b+gz]=$port_cg_gz [c]=$port_cg [c+gz]=$port_cg_gz
	[d]=$port_d [d+gz]=$port_d_gz [e]=$port_e [e+gz]=$port_e_gz)
setups=(a b c d e a+gz b+gz c+gz d+gz e+gz)
cookie_of() { case $1 in c*) echo "$granted" ;; *) echo "$session" ;; esac; }
pids_of() { case $1 in [abc]*) echo "$caddy_pid" ;; *) echo "$nginx_workers" ;; esac; }
headers_of() { # page → the name of its header array
	case $1 in *.json) echo json_headers ;; *) echo page_headers ;; esac
}

# --- 0. the setups do what they say ---------------------------------------------
log "checking the setups"
check() { # setup page want-grep [not-grep]
	local s=$1 pg=$2 want=$3 not=${4:-} hv
	hv="$(headers_of "$pg")[@]"
	curl -fs --compressed -D "$work/check.h" -o "$work/check.b" "${!hv}" -H "Cookie: $(cookie_of "$s")" \
		"http://127.0.0.1:${port[$s]}$pg"
	if ! grep -q -- "$want" "$work/check.h" "$work/check.b"; then
		echo "setup $s, $pg: expected '$want' in the response" >&2
		exit 1
	fi
	if [ -n "$not" ] && grep -q -- "$not" "$work/check.h" "$work/check.b"; then
		echo "setup $s, $pg: did not expect '$not' in the response" >&2
		exit 1
	fi
}
check a /12k.html 'Set-Cookie: _ga=' 'guard.js'
check b /12k.html 'guard.js' 'Set-Cookie: _ga='
check b /12k.html 'data-consent-src="//platform.twitter.com'
check b /12k.html 'id="cg-banner"'
check c /12k.html 'Set-Cookie: _ga='
check c /100k.html '<img src="//pixel.quantserve.com' 'data-consent-src'
check b /100k.html 'data-consent-src="//pixel.quantserve.com'
check b+gz /100k.html 'Content-Encoding: gzip'
check b+gz /100k.html 'data-consent-src="//pixel.quantserve.com'
check b /api.json '"items"' 'guard.js'
check d /1m.html 'Set-Cookie: _ga='
check e /1m.html 'id="cg-banner"' 'Set-Cookie'
check e+gz /12k.html 'Content-Encoding: gzip'
check d+gz /api.json 'Content-Encoding: gzip'
check a+gz /api.json 'Content-Encoding: gzip'

# --- 1. throughput -----------------------------------------------------------
pages=(/api.json /12k.html /100k.html /1m.html)
conns=(16 128)
clk=$(getconf CLK_TCK)
# Bytes of one response (header and body, as sent) per setup and page: the
# CPU time per request is taken per response's worth of bytes read, so that
# the responses still in flight when a run ends (wrk counts only completed
# ones, which on a 1 MB page at 128 connections are a large share) are not
# charged to the completed ones.
declare -A resp_bytes
response_bytes() { # setup page
	local hv
	hv="$(headers_of "$2")[@]"
	curl -fs -o /dev/null -w '%{size_header} %{size_download}' "${!hv}" -H "Cookie: $(cookie_of "$1")" \
		"http://127.0.0.1:${port[$1]}$2" | awk '{print $1 + $2}'
}
# Bigger pages run longer: a run must see many responses start and end.
seconds_of() { # page
	case $1 in
	/1m.html) echo $((seconds * 3 / 2)) ;;
	/100k.html) echo "$seconds" ;;
	*) echo $(((seconds + 1) / 2)) ;;
	esac
}
wrk_once() { # setup page conns secs → one tab-separated result (without the round)
	local s=$1 pg=$2 c=$3 d=$4 hv t0 t1 o
	hv="$(headers_of "$pg")[@]"
	t0=$(cpu_ticks $(pids_of "$s"))
	o=$(wrk -t2 -c"$c" -d"${d}s" --timeout 10s --latency "${!hv}" -H "Cookie: $(cookie_of "$s")" \
		"http://127.0.0.1:${port[$s]}$pg")
	t1=$(cpu_ticks $(pids_of "$s"))
	echo "$o" | awk -v s="$s" -v pg="$pg" -v c="$c" -v ticks=$((t1 - t0)) -v clk="$clk" -v rb="${resp_bytes[$s$pg]:-0}" '
		function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
		function bytes(v) { if (v ~ /KB$/) return v * 1024; if (v ~ /MB$/) return v * 1048576; if (v ~ /GB$/) return v * 1073741824; return v + 0 }
		/^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) }
		/requests in/ { n = $1; sub(/s,$/, "", $4); secs = $4; read = bytes($5) }
		/Non-2xx/ { bad += $NF } /Socket errors/ { gsub(/,/, ""); bad += $4 + $6 + $8 + $10 }
		/^Requests\/sec/ { rps = $2 }
		END { printf "%s\t%s\t%d\t%s\t%s\t%.3f\t%.3f\t%.4f\t%d\t%.0f\t%d\t%s\n", s, pg, c, n, rps, p50, p99, ticks / clk, bad + 0, read, rb, secs }'
}

log "warming up"
total=0
for s in "${setups[@]}"; do
	for pg in "${pages[@]}"; do
		resp_bytes[$s$pg]=$(response_bytes "$s" "$pg")
		wrk_once "$s" "$pg" 16 1 >/dev/null
		total=$((total + $(seconds_of "$pg") * ${#conns[@]} * rounds))
	done
done
log "throughput: $rounds rounds × ${#pages[@]} pages × ${#conns[@]} connection counts × ${#setups[@]} setups (about $((total * 115 / 100 / 60)) min)"
printf 'round\tsetup\tpage\tconns\trequests\treq_s\tp50_ms\tp99_ms\tcpu_s\terrors\tbytes_read\tresponse_bytes\tsecs\n' >"$out/throughput.tsv"
for r in $(seq "$rounds"); do
	for pg in "${pages[@]}"; do
		for c in "${conns[@]}"; do
			# Each round starts the alternation at another setup.
			n=${#setups[@]}
			for i in $(seq 0 $((n - 1))); do
				s=${setups[$(((i + r) % n))]}
				printf '%d\t%s\n' "$r" "$(wrk_once "$s" "$pg" "$c" "$(seconds_of "$pg")")" >>"$out/throughput.tsv"
			done
		done
	done
	log "round $r of $rounds done"
done

# --- 2. memory and time to first byte ----------------------------------------
log "memory: 1,000 concurrent slow 10 MB pages"
mem_secs=$([ $quick = 1 ] && echo 6 || echo 10)
printf 'setup\tbody\tidle_kib\tpeak_kib\tpeak_in_flight\trequests_done\n' >"$out/memory.tsv"
stop_caddy
for body in script html; do
	for s in a b a+gz b+gz; do
		if [ "$body" = html ] && [[ $s == *gz ]]; then continue; fi
		start_caddy
		idle=$(awk '/^VmRSS/ {print $2}' "/proc/$caddy_pid/status")
		curl -fs -o /dev/null "http://127.0.0.1:$port_up/_stats?reset=1"
		q=$([ "$body" = script ] && echo '?script=1' || echo '')
		wrk -t2 -c1000 -d"${mem_secs}s" --timeout 60s "${page_headers[@]}" -H "Cookie: $session" \
			"http://127.0.0.1:${port[$s]}/slow10m.html$q" >"$work/mem.out" 2>&1 || true
		peak=$(awk '/^VmHWM/ {print $2}' "/proc/$caddy_pid/status")
		inflight=$(curl -fs "http://127.0.0.1:$port_up/_stats" | awk '{print $2}')
		done_reqs=$(awk '/requests in/ {print $1}' "$work/mem.out")
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$body" "$idle" "$peak" "$inflight" "${done_reqs:-0}" >>"$out/memory.tsv"
		stop_caddy
		# Let the upstream see the closed connections before the next setup.
		for _ in $(seq 50); do
			[ "$(curl -fs "http://127.0.0.1:$port_up/_stats" | awk '{print $1}')" = 0 ] && break
			sleep 0.2
		done
	done
done
start_caddy

log "time to first byte of a streamed page"
printf 'setup\theader_ms\tfirst_body_ms\ttotal_ms\tbody_bytes\n' >"$out/ttfb.tsv"
ttfb_n=$([ $quick = 1 ] && echo 7 || echo 21)
for s in upstream a b c a+gz b+gz d e; do
	p=$([ $s = upstream ] && echo "$port_up" || echo "${port[$s]}")
	args=()
	for h in "${page_headers[@]}"; do [ "$h" = -H ] || args+=(-H "$h"); done
	"$work/ttfb" -label "$s" -n "$ttfb_n" -url "http://127.0.0.1:$p/slow.html?chunks=5&every=40ms" \
		"${args[@]}" -H "Cookie: $(cookie_of "$s")" >>"$out/ttfb.tsv"
done
stop_caddy
kill "$nginx_pid" 2>/dev/null || true

# --- 3. go test -bench ---------------------------------------------------------
log "per-request hot paths (go test -bench)"
count=$([ $quick = 1 ] && echo 1 || echo 5)
go test -run '^$' -bench 'Hot' -benchmem -count "$count" -benchtime "$([ $quick = 1 ] && echo 50ms || echo 300ms)" \
	./policy/ ./caddymodule/ >"$out/hotpaths.txt"
log "HTML rewriter and x/net/html over the corpus (go test -bench)"
go test -run '^$' -bench 'BenchmarkCorpus' -benchmem -count "$([ $quick = 1 ] && echo 1 || echo 3)" \
	-benchtime "$([ $quick = 1 ] && echo 20ms || echo 100ms)" ./caddymodule/htmlrewrite/ >"$out/rewriter.txt"
if [ -d "$lol/node_modules/html-rewriter-wasm" ]; then
	log "lol-html (html-rewriter-wasm) over the corpus"
	node bench/lolhtml/run.cjs "$lol/node_modules" "$corpus" "$([ $quick = 1 ] && echo 20 || echo 100)" \
		"$([ $quick = 1 ] && echo 1 || echo 3)" >"$out/lolhtml.tsv"
else
	log "no node: lol-html left out"
fi

# --- report --------------------------------------------------------------------
{
	echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), load average before the report: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "run: $rounds rounds, ${seconds}s per wrk run, $(date -u +%Y-%m-%dT%H:%MZ), $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (modified)')"
	echo "nginx: $("$nginx_bin" -v 2>&1 | sed 's/.*: //'), wrk: $(wrk -v 2>&1 | head -1 | awk '{print $2}'), $(go version | awk '{print $3}')"
} >"$out/machine.txt"
"$work/report" -dir "$out" | tee "$out/report.md"
log "report and raw numbers in $out"
