# Sourced by .ci/httpbin.sh and .ci/pproxy.sh: a virtualenv under target/ with the pins of a
# requirements file, installed from PyPI once and again only when the pins change.
#
#   install_venv VENV REQUIREMENTS BIN [PIP FLAGS...]   (BIN: a program the install provides)

install_venv() {
  local venv=$1 requirements=$2 bin=$3
  shift 3
  if [ -x "$venv/bin/$bin" ] && cmp -s "$requirements" "$venv/requirements.txt"; then
    return
  fi
  printf 'installing %s into %s\n' "$requirements" "$venv" >&2
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  # A virtualenv without a pip of its own (seeding one takes longer than the install), filled
  # by the interpreter's pip (22.3 or later, for --python).
  "${PYTHON:-python3}" -m venv --without-pip "$venv"
  "${PYTHON:-python3}" -m pip --python "$venv/bin/python" install --quiet \
    --disable-pip-version-check "$@" -r "$requirements" >&2
  cp "$requirements" "$venv/requirements.txt"
}
