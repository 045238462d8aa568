#!/usr/bin/env bash
# Re-capture the framework fixtures: start each app with its framework's
# default error handling on 127.0.0.1, send the requests in its
# *.cases.json, and write one <framework>-<case>.json per exchange here.
#
# Needs: node + npm (the apps' exact versions are in node/package.json),
# and Debian's python3-fastapi python3-djangorestframework python3-flask
# python3-uvicorn python3-email-validator (the apps run with /usr/bin/python3,
# where Debian installs them).
#
#   bash errorpages/testdata/frameworks/capture.sh
set -euo pipefail
cd "$(dirname "$0")"
here=$PWD
py=/usr/bin/python3
port=${CAPTURE_PORT:-18480}

(cd node && npm ci --no-audit --no-fund >/dev/null)

pyver() { "$py" -c "import importlib.metadata as m; print(m.version('$1'))"; }
nodever() { node -p "require('./node/node_modules/$1/package.json').version"; }

# run NAME VERSION CASES -- COMMAND...: start COMMAND (it listens on $port),
# capture CASES against it, stop it.
run() {
	local name=$1 version=$2 cases=$3
	shift 4
	"$@" >"/tmp/capture-$name.log" 2>&1 &
	local pid=$!
	for _ in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
		sleep 0.1
	done
	python3 capture.py "$name" "$version" "http://127.0.0.1:$port" "$cases" "$here" || { kill "$pid"; exit 1; }
	kill "$pid"
	wait "$pid" 2>/dev/null || true
}

export PORT=$port
run express "$(nodever express)" node/express.cases.json -- node node/express.js
NODE_ENV=production run express "$(nodever express)" node/express-production.cases.json -- node node/express.js
run express-validator "$(nodever express-validator)" node/express-validator.cases.json -- node node/express-validator.js
run fastify "$(nodever fastify)" node/fastify.cases.json -- node node/fastify.js
run nestjs "$(nodever @nestjs/core)" node/nestjs.cases.json -- node node/nestjs.js
run hapi "$(nodever @hapi/hapi) joi $(nodever joi)" node/hapi.cases.json -- node node/hapi.js

run fastapi "$(pyver fastapi) pydantic $(pyver pydantic) uvicorn $(pyver uvicorn)" python/fastapi.cases.json -- \
	"$py" -m uvicorn --app-dir python --host 127.0.0.1 --port "$port" fastapi_app:app
run drf "$(pyver djangorestframework) django $(pyver Django)" python/drf.cases.json -- "$py" python/drf_app.py "$port"
run flask "$(pyver Flask) werkzeug $(pyver Werkzeug)" python/flask.cases.json -- "$py" python/flask_app.py "$port"
