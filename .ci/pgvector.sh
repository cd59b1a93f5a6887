# shellcheck shell=bash
# pgvector for the machine's PostgreSQL 15. Debian bookworm ships no pgvector package for PG15, so
# this builds Debian's own source package from trixie against PG15's server headers:
#
#   1. a deb-src-only entry for trixie in its own sources file (binary packages keep coming from
#      bookworm; a deb-src line never changes what `apt-get install` picks),
#   2. `apt-get update` of that one file only (the other lists are left as they are),
#   3. `apt-get source pgvector/trixie` in a temporary directory,
#   4. `make && make install` with PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config.
#
# Idempotent: does nothing when vector.control is already installed. Usage:
#   source .ci/pgvector.sh && ensure_pgvector && check_pgvector   (or: bash .ci/pgvector.sh [PORT])

# shellcheck source=.ci/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

PGVECTOR_PG_MAJOR=${PGVECTOR_PG_MAJOR:-15}
PGVECTOR_PG_CONFIG=${PGVECTOR_PG_CONFIG:-/usr/lib/postgresql/$PGVECTOR_PG_MAJOR/bin/pg_config}
PGVECTOR_SRC_LIST=/etc/apt/sources.list.d/outpost-trixie-src.sources

pgvector_installed_version() {
  sed -n "s/^default_version *= *'\(.*\)'.*/\1/p" \
    "/usr/share/postgresql/$PGVECTOR_PG_MAJOR/extension/vector.control" 2>/dev/null
}

ensure_pgvector() {
  local control=/usr/share/postgresql/$PGVECTOR_PG_MAJOR/extension/vector.control
  if [[ -f $control ]]; then
    log "pgvector $(pgvector_installed_version) already installed for PostgreSQL $PGVECTOR_PG_MAJOR"
    return 0
  fi
  ensure_packages "postgresql-server-dev-$PGVECTOR_PG_MAJOR" dpkg-dev gcc make libc6-dev
  [[ -x $PGVECTOR_PG_CONFIG ]] || die "$PGVECTOR_PG_CONFIG not found"

  local mirror
  mirror=$(debian_mirror)
  if [[ ! -f $PGVECTOR_SRC_LIST ]]; then
    log "adding deb-src for trixie ($PGVECTOR_SRC_LIST)"
    printf '%s\n' \
      '# Added by Outpost .ci/pgvector.sh: source packages only (pgvector for PostgreSQL 15).' \
      'Types: deb-src' \
      "URIs: $mirror" \
      'Suites: trixie' \
      'Components: main' \
      'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' |
      "${SUDO[@]}" tee "$PGVECTOR_SRC_LIST" >/dev/null
  fi
  log "apt-get update (trixie deb-src only)"
  "${SUDO[@]}" "${APT_GET[@]}" update \
    -o Dir::Etc::SourceList="$PGVECTOR_SRC_LIST" -o Dir::Etc::SourceParts=- -o APT::Get::List-Cleanup=0

  local work
  work=$(mktemp -d -t outpost-pgvector.XXXXXX)
  # shellcheck disable=SC2064 # expand $work now
  trap "rm -rf '$work'; trap - RETURN" RETURN
  # As root, apt would fall back from its unprivileged _apt download sandbox with a (harmless)
  # warning because _apt cannot write to this 0700 directory; ask for that up front instead.
  (cd "$work" && "${SUDO[@]}" "${APT_GET[@]}" -o APT::Sandbox::User=root source pgvector/trixie)
  local src
  src=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' | head -n1)
  [[ -n $src && -f $src/vector.control ]] || die "apt-get source pgvector gave no source tree in $work"
  log "building $(basename "$src") against $("$PGVECTOR_PG_CONFIG" --version)"
  # OPTFLAGS="" as in Debian's own build: no -march=native, so the library is portable.
  make -C "$src" -s -j"$(nproc)" PG_CONFIG="$PGVECTOR_PG_CONFIG" OPTFLAGS=""
  "${SUDO[@]}" make -C "$src" -s install PG_CONFIG="$PGVECTOR_PG_CONFIG" OPTFLAGS=""
  [[ -f $control ]] || die "make install did not install $control"
  log "installed pgvector $(pgvector_installed_version) for PostgreSQL $PGVECTOR_PG_MAJOR"
}

# check_pgvector [PORT]: creates the extension in a scratch database on 127.0.0.1 (default port
# 5432) and drops that database again. PostgreSQL must be running.
check_pgvector() {
  local port=${1:-5432} db=outpost_ci_pgvector_check v
  local -a q=(psql -h 127.0.0.1 -p "$port" -qAtX -v ON_ERROR_STOP=1)
  PGOPTIONS='-c client_min_messages=warning' "${q[@]}" -d postgres -c "drop database if exists $db" -c "create database $db"
  v=$("${q[@]}" -d "$db" \
    -c 'create extension vector' \
    -c "select extversion || ', [1,2,3] <-> [1,2,4] = ' || ('[1,2,3]'::vector <-> '[1,2,4]'::vector)::text from pg_extension where extname = 'vector'")
  "${q[@]}" -d postgres -c "drop database $db"
  log "create extension vector in a scratch database on port $port: pgvector $v"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  ensure_pgvector
  check_pgvector "${1:-5432}"
fi
