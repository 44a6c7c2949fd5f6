#!/usr/bin/env bash
# Hearth's entry point on a machine that has only Python 3.11+.
#
#   ./hearth.sh local    set up, then run the whole stack locally (embedded PostgreSQL unless
#                        DATABASE_URL is set; AWS services from moto)
#   ./hearth.sh test     set up, then run every check: lint, format, types, template, OpenAPI
#                        drift, and the test suite
#   ./hearth.sh bench NAME [args]   run benchmarks/NAME.py (figures with same-run baselines)
#   ./hearth.sh <cmd>    any other `hearth` command (template, migrate, invoke, token, seed,
#                        openapi, samples, ...)
#
# Set-up is a virtual environment in .venv (and the SAM CLI in .tools/sam for the template
# checks), refreshed whenever pyproject.toml changes.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
VENV=.venv

die() { echo "hearth.sh: $*" >&2; exit 1; }

"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null \
  || die "Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)"

# ensure_venv EXTRAS: create .venv and install the project with EXTRAS when anything changed.
ensure_venv() {
  local extras=$1 stamp="$VENV/.hearth-installed" want
  want="$extras $(cat pyproject.toml layers/*/requirements.txt | "$PYTHON" -c 'import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')"
  if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating $VENV"
    "$PYTHON" -m venv "$VENV"
  fi
  if [ ! -f "$stamp" ] || ! grep -qxF -- "$want" "$stamp"; then
    echo "==> installing hearth[$extras] into $VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e ".[$extras]"
    echo "$want" >> "$stamp"
  fi
}

# The SAM CLI lives in its own environment: its pinned dependencies must not steer ours.
ensure_sam() {
  local sam=.tools/sam
  if [ ! -x "$sam/bin/sam" ]; then
    echo "==> installing the SAM CLI into $sam"
    "$PYTHON" -m venv "$sam"
    "$sam/bin/python" -m pip install --quiet "aws-sam-cli>=1.120"
  fi
  SAM="$PWD/$sam/bin/sam"
}

run_checks() {
  local bin=$VENV/bin
  export SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1}
  echo "==> ruff (lint)";   "$bin/ruff" check .
  echo "==> ruff (format)"; "$bin/ruff" format --check .
  echo "==> mypy shared/ tools/";  "$bin/mypy"
  echo "==> templates are what the function modules declare"; "$bin/hearth" template --check
  local template
  for template in template.yaml functions/*/template.yaml; do
    echo "==> sam validate --lint $template"; "$SAM" validate --lint --template "$template"
  done
  echo "==> sam build (no Docker)"
  local build; build=$(mktemp -d)
  "$SAM" build --template template.yaml --build-dir "$build" --parallel >"$build.log" 2>&1 \
    || { cat "$build.log"; die "sam build failed"; }
  # The Hearth layer of every stack holds the hearth package alone (no development tooling).
  local layer layers=0
  while IFS= read -r layer; do
    layers=$((layers + 1))
    [ "$(ls "$layer")" = "hearth" ] || die "$layer holds more than the hearth package: $(ls "$layer" | tr '\n' ' ')"
  done < <(find "$build" -type d -path "*HearthLayer/python")
  [ "$layers" -ge 2 ] || die "sam build made no Hearth layer"
  rm -rf "$build" "$build.log"
  echo "==> OpenAPI document is current"; "$bin/hearth" openapi --check
  echo "==> tests"; "$bin/python" -m pytest "$@"
}

usage() {
  cat <<'USAGE'
usage: ./hearth.sh COMMAND [ARGS...]

Hearth's entry point on a machine that has only Python 3.11+ (set PYTHON=/path/to/python3.11
to pick one). The first command sets up .venv (and .tools/sam for `test`), refreshed whenever
pyproject.toml changes.

commands:
  local [OPTIONS]       run the whole stack locally: the API on http://localhost:3000, embedded
                        PostgreSQL (or DATABASE_URL), AWS services from moto, queue consumers and
                        schedules; Ctrl-C stops everything (`./hearth.sh local --help` for options)
  test [PYTEST ARGS]    every check: lint, format, types, templates, OpenAPI drift, the test suite
  bench NAME [ARGS]     run benchmarks/NAME.py (figures with same-run baselines); without NAME,
                        lists the benchmarks
  template [--check]    write (or check) the nested stacks from the function modules
  openapi [--check]     write (or check) docs/openapi.json
  samples [--force]     write the sample events of API routes and the authorizer
  invoke FUNCTION       run one function once with its sample event and print its response
  token [--user S]      a development JWT signed with the local secret
  seed [--members N]    seed the demo tenant
  migrate               apply pending migrations to DATABASE_URL
  help                  this text

examples:
  ./hearth.sh local
  ./hearth.sh test tests/unit -q
  ./hearth.sh bench local_stack load --soak 300
USAGE
}

cmd=${1:-help}
case "$cmd" in
  local)
    ensure_venv local
    shift
    exec "$VENV/bin/hearth" local "$@"
    ;;
  test)
    ensure_venv local,dev,bench
    ensure_sam
    shift
    run_checks "$@"
    ;;
  bench)
    ensure_venv local,dev,bench
    shift
    name=${1:-}
    if [ -z "$name" ] || [ ! -f "benchmarks/$name.py" ]; then
      echo "usage: ./hearth.sh bench NAME [args]   where NAME is one of:"
      ls benchmarks/*.py | xargs -n1 basename | sed 's/\.py$//; s/^/  /'
      exit 2
    fi
    shift
    exec "$VENV/bin/python" "benchmarks/$name.py" "$@"
    ;;
  help|-h|--help)
    usage
    ;;
  *)
    ensure_venv local
    exec "$VENV/bin/hearth" "$@"
    ;;
esac
