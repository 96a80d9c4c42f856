# Sourced by start.sh and test.sh: makes .venv and installs requirements.txt when it changed.
venv=.venv
if [ ! -x "$venv/bin/python" ]; then
  echo "Creating the app's virtual environment in $venv"
  python3 -m venv "$venv"
fi
stamp="$venv/.requirements.sha256"
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "Installing Python packages (requirements.txt)"
  # uv, pinned in requirements.txt, installs the rest (dsf_app/devstack/pyinstall.py says why).
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$(grep '^uv==' requirements.txt)"
  "$venv/bin/python" -m dsf_app.devstack.pyinstall -r requirements.txt
  echo "$want" > "$stamp"
fi
