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
  # $1: the pip extra to install ("" for runtime only, "dev" for the test tools)
  local python="${PYTHON:-python3}"
  if [ ! -x .venv/bin/python ]; then
    if ! "$python" -m venv --help >/dev/null 2>&1 || ! "$python" -c "import ensurepip" 2>/dev/null; then
      apt_install python3-venv
    fi
    "$python" -m venv .venv
  fi
  local spec="."
  [ -n "${1:-}" ] && spec=".[$1]"
  # Reinstall only when pyproject.toml changed since the last install.
  local stamp=".venv/.mayfly-installed-${1:-runtime}"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e "$spec"
    touch "$stamp"
  fi
}
