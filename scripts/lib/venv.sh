# Shared by scripts/serve and scripts/test: a local virtualenv with Mayfly installed.
# Sourced, not run. Installs Debian's python3-venv first if this Python lacks venv.

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  # Installs the named Debian packages that are not installed yet.
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "mayfly: installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

ensure_venv() {
  # $1: which lock to install: "runtime" (scripts/serve) or "dev" (scripts/test, the test tools too)
  local python="${PYTHON:-python3}" lock="requirements/${1:-runtime}.txt"
  if [ ! -x .venv/bin/python ]; then
    if ! "$python" -m venv --help >/dev/null 2>&1 || ! "$python" -c "import ensurepip" 2>/dev/null; then
      apt_install python3-venv
    fi
    "$python" -m venv .venv
  fi
  # Reinstall only when the lock or pyproject.toml changed since the last install.
  local stamp=".venv/.mayfly-installed-${1:-runtime}" digest
  digest="$(cat "$lock" pyproject.toml | sha256sum | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
    # Every package, its exact version and the hash of its file come from the lock: what
    # passed yesterday installs the same today. Mayfly itself is built from this folder with
    # the locked setuptools, no unlocked build environment.
    .venv/bin/python -m pip install -q --require-hashes --no-deps -r "$lock"
    .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .
    echo "$digest" > "$stamp"
  fi
}
