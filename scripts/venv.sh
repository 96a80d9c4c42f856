# Sourced by start.sh and test.sh: makes .venv and installs what uv.lock holds when it changed
# (dsf_app/devstack/pyinstall.py: the app's packages, the local services', the tests' and checks').
venv=.venv
if [ ! -x "$venv/bin/python" ]; then
  echo "Creating the app's virtual environment in $venv"
  python3 -m venv "$venv"
fi
stamp="$venv/.uv.lock.sha256"
want=$(sha256sum uv.lock | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "Installing Python packages (uv.lock)"
  "$venv/bin/python" -m dsf_app.devstack.pyinstall
  echo "$want" > "$stamp"
fi
