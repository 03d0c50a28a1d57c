#!/usr/bin/env sh
# Make sure this machine has what the project cannot pip-install: Python >= 3.10 with venv, and
# Graphviz's `dot`.  Installs with apt-get (as root or via `sudo -n`) or brew where it can;
# otherwise says which command to run.  Never prompts.
set -u
PYTHON=${PYTHON:-python3}

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo -n "$@"; else return 1; fi
}
apt_install() {
    command -v apt-get >/dev/null 2>&1 || return 1
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    echo "error: $PYTHON is missing or older than 3.10; install Python 3.10+ first." >&2
    exit 1
fi

if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
    ver=$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    apt_install "python$ver-venv" || apt_install python3-venv || {
        echo "error: Python's venv module is missing; run: sudo apt-get install python3-venv" >&2
        exit 1
    }
fi

if ! command -v dot >/dev/null 2>&1; then
    if [ "$(uname)" = Darwin ] && command -v brew >/dev/null 2>&1; then
        brew install graphviz >/dev/null || true
    else
        apt_install graphviz || true
    fi
    if ! command -v dot >/dev/null 2>&1; then
        echo "note: Graphviz's 'dot' is not installed, so graphs render as DOT text only." >&2
        echo "      Install it with 'sudo apt-get install graphviz' or 'brew install graphviz'." >&2
    fi
fi
exit 0
