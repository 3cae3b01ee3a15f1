#!/usr/bin/env bash
# deploy/: every manifest and the compose file parse as YAML, and every flag, config
# key, environment override, port, probe and metric they use exists in bin/wirewatch
# (tests/tools/check_deploy.py; PyYAML from Debian's python3-yaml).
cd "$(dirname "$0")/../.." || exit 1
: "${WW:=$PWD/bin/wirewatch}"
/usr/bin/python3 -c 'import yaml' 2>/dev/null || { echo "not ok - python3-yaml installed (make deps-test)"; exit 1; }
exec timeout 120 /usr/bin/python3 tests/tools/check_deploy.py "$WW" "$PWD"
