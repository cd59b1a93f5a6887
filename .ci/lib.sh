# shellcheck shell=bash
# Shared helpers for .ci/run, .ci/pgvector.sh and .ci/services.sh: timestamped logging, per-step
# timing, and "install these Debian packages if missing" (apt-get update only when something is
# missing, and then at most once per run). Sourced, never executed.

[[ -n ${_OUTPOST_CI_LIB:-} ]] && return 0
_OUTPOST_CI_LIB=1

CI_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck disable=SC2034 # used by the scripts that source this file
REPO_ROOT="$(cd "$CI_DIR/.." && pwd)"

# Root on CI and on the developers' machines; sudo elsewhere.
if [[ $(id -u) -eq 0 ]]; then SUDO=(); else SUDO=(sudo); fi

_now_ms() { date +%s%3N; }
_CI_START_MS=$(_now_ms)

log() { printf '[ci %s +%ss] %s\n' "$(date +%H:%M:%S)" "$(( ($(_now_ms) - _CI_START_MS) / 1000 ))" "$*"; }
warn() { log "WARNING: $*" >&2; }
die() { log "ERROR: $*" >&2; exit 1; }

STEP_NAMES=()
STEP_SECS=()

# step NAME COMMAND [ARGS...]: runs the command (a function or program) with timestamps around it.
# Call it plainly (not under `if`/`||`) so that `set -e` still stops the run on a failure.
step() {
  local name=$1 t0
  shift
  t0=$(_now_ms)
  _CURRENT_STEP=$name
  log "==> $name"
  "$@"
  local ms=$(( $(_now_ms) - t0 ))
  STEP_NAMES+=("$name")
  STEP_SECS+=("$(printf '%d.%01d' $((ms / 1000)) $(((ms % 1000) / 100)))")
  log "<== $name: ${STEP_SECS[-1]} s"
  _CURRENT_STEP=""
}

# step_summary [EXIT_CODE]: the time of each finished step, and the step a failure happened in.
step_summary() {
  local i
  [[ ${1:-0} -ne 0 && -n ${_CURRENT_STEP:-} ]] && log "FAILED in step: $_CURRENT_STEP (exit ${1})"
  log "step timings:"
  for i in "${!STEP_NAMES[@]}"; do printf '    %7s s  %s\n' "${STEP_SECS[$i]}" "${STEP_NAMES[$i]}"; done
  log "total: $(( ($(_now_ms) - _CI_START_MS) / 1000 )) s"
}

# --- Debian packages ---------------------------------------------------------------------------

APT_GET=(env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300)
_APT_UPDATED=0

# Prints the packages (of those given) that are not installed.
missing_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || printf '%s\n' "$p"
  done
}

apt_update_once() {
  [[ $_APT_UPDATED -eq 1 ]] && return 0
  log "apt-get update"
  "${SUDO[@]}" "${APT_GET[@]}" update
  _APT_UPDATED=1
}

# ensure_packages PKG...: installs whichever are missing (no recommends); no network when none is.
ensure_packages() {
  local missing
  missing=$(missing_packages "$@")
  if [[ -z $missing ]]; then
    log "already installed: $*"
    return 0
  fi
  log "installing: ${missing//$'\n'/ }"
  apt_update_once
  # shellcheck disable=SC2086
  "${SUDO[@]}" "${APT_GET[@]}" install -y --no-install-recommends $missing
}

# The URI of the Debian mirror this machine's bookworm entry uses (deb822 or one-line format),
# so that no host name is written into this repository. OUTPOST_DEBIAN_MIRROR overrides it.
debian_mirror() {
  if [[ -n ${OUTPOST_DEBIAN_MIRROR:-} ]]; then
    printf '%s\n' "$OUTPOST_DEBIAN_MIRROR"
    return 0
  fi
  local f uri=""
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    uri=$(awk '
      function flush() { if (deb && main && uri != "" && suite && found == "") found = uri; deb = main = suite = 0; uri = "" }
      /^[[:space:]]*$/ { flush(); next }
      /^[[:space:]]*#/ { next }
      tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
      tolower($1) == "uris:" { uri = $2 }
      tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == "bookworm") suite = 1 }
      tolower($1) == "components:" { for (i = 2; i <= NF; i++) if ($i == "main") main = 1 }
      END { flush(); if (found != "") print found }' "$f")
    [[ -n $uri ]] && break
  done
  if [[ -z $uri ]]; then
    uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      sed -E 's/\[[^]]*\]//' |
      awk '$1 == "deb" && $3 == "bookworm" { for (i = 4; i <= NF; i++) if ($i == "main") { print $2; exit } }')
  fi
  [[ -n $uri ]] || die "no Debian bookworm 'main' entry found in /etc/apt; set OUTPOST_DEBIAN_MIRROR"
  printf '%s\n' "${uri%/}"
}
