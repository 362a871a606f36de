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
		# Process groups of ours still alive (a member's command line holds the recorded marker), then clusters, then folders.
		while read -r kind value marker; do
			[ "$kind" = pid ] || continue
			for member in $(pgrep -g "$value" 2>/dev/null || true); do
				if grep -qaF -- "$marker" "/proc/$member/cmdline" 2>/dev/null; then
					kill -KILL -- "-$value" 2>/dev/null || true
					break
				fi
			done
		done < <(tac "$file")
		while read -r kind value _; do
			[ "$kind" = pgdata ] || continue
			if [ -f "$value/postmaster.pid" ]; then
				pg_ctl="$(ls -d /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -1)"
				runuser -u postgres -- "$pg_ctl" stop -D "$value" -m immediate -w -t 20 >/dev/null 2>&1 || true
			fi
		done < "$file"
		while read -r kind value _; do
			if [ "$kind" = dir ]; then rm -rf -- "$value"; fi
		done < "$file"
	fi
	rm -rf -- "$registry"
}
trap cleanup EXIT

# jest in the background so that INT/TERM reach this script at once (and its trap) while it runs.
YUNWU_QUEUE_REGISTRY="$registry" node node_modules/jest/bin/jest.js -c queue/jest.queue.config.js "$@" &
jest_pid=$!
trap 'kill -TERM "$jest_pid" 2>/dev/null || true; exit 130' INT TERM
wait "$jest_pid"
