#!/usr/bin/env bash
# The queue-mode suite (npm run test:queue): installs Debian's redis-server and postgresql when
# missing, prepares n8n 2.x, then runs jest. Whatever jest leaves behind (it is killed, a hook
# times out) this script's trap removes: every process group, Postgres cluster and folder the
# suite registered in $YUNWU_QUEUE_REGISTRY.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
	echo "== installing Debian's ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
bash e2e/install-n8n.sh 2 >/dev/null

registry="$(mktemp -d "${TMPDIR:-/tmp}/yunwu-queue-run-XXXXXX")"
cleanup() {
	local file="$registry/registry"
	if [ -f "$file" ]; then
		# Process groups still alive whose leader is ours (or whose leader is gone), then clusters, then folders.
		while read -r kind value marker; do
			[ "$kind" = pid ] || continue
			if grep -qaF -- "$marker" "/proc/$value/cmdline" 2>/dev/null || ! kill -0 "$value" 2>/dev/null; then
				kill -KILL -- "-$value" 2>/dev/null || true
			fi
		done < <(tac "$file")
		while read -r kind value _; do
			[ "$kind" = pgdata ] || continue
			if [ -f "$value/postmaster.pid" ]; then
				pg_ctl="$(ls -d /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -1)"
				runuser -u postgres -- "$pg_ctl" stop -D "$value" -m immediate -w -t 20 >/dev/null 2>&1 || true
			fi
		done < "$file"
		while read -r kind value _; do
			[ "$kind" = dir ] && rm -rf -- "$value"
		done < "$file"
	fi
	rm -rf -- "$registry"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

YUNWU_QUEUE_REGISTRY="$registry" npx jest -c queue/jest.queue.config.js "$@"
