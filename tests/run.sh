#!/usr/bin/env bash
# The one test command (README): installs and starts what the suite needs, then runs every test project.
# The suite needs the .NET SDK, PostgreSQL 15, nginx and Chromium (below); anything a later suite needs is added here, never by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# The storage tests start their own throwaway PostgreSQL 15 cluster from Debian's binaries (never a shared server).
# The package also brings ICU (libicu72), which the service needs for Microsoft.Data.SqlClient (InvariantGlobalization=false).
if [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
  echo "tests/run.sh: installing PostgreSQL 15 (Debian package postgresql) for the storage tests"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi

# The cluster tests (tests/CrsMonitor.Cluster.Tests) run deploy/cluster/up.sh: nginx in front of two nodes. up.sh installs
# it too when missing; installing it here keeps apt out of the timed test run.
if [ ! -x /usr/sbin/nginx ]; then
  echo "tests/run.sh: installing nginx (Debian package nginx) for the cluster tests"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
fi

# The browser tests (tests/CrsMonitor.Browser.Tests) drive Debian's Chromium through Playwright; Playwright never downloads
# a browser of its own here. Without /usr/bin/chromium those tests fail with a message pointing back to this script.
if ! [ -x /usr/bin/chromium ]; then
  echo "tests/run.sh: installing Chromium (Debian package chromium) for the browser tests"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# The fhir-kit-client test (tests/CrsMonitor.Service.Tests/Fhir/FhirKitClientTests.cs) runs the npm FHIR client under
# Node.js: its packages come from its package-lock.json (npm ci), again whenever the lock is newer than node_modules.
# The same for the HL7 v2 node test (Hl7v2/V2NodeClientTests.cs: node-hl7-client and hl7v2, from Hl7v2Node/package-lock.json;
# its .npmrc lets npm ci take hl7v2-dictionary 1.8.0 for hl7v2's peer range ^1.9.0, see there).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "tests/run.sh: installing Node.js (Debian packages nodejs, npm) for the fhir-kit-client and HL7 v2 node tests"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
kit=tests/CrsMonitor.Service.Tests/FhirKitClient
if [ ! -d "$kit/node_modules" ] || [ "$kit/package-lock.json" -nt "$kit/node_modules" ]; then
  echo "tests/run.sh: npm ci in $kit (fhir-kit-client)"
  (cd "$kit" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
v2node=tests/CrsMonitor.Service.Tests/Hl7v2Node
if [ ! -d "$v2node/node_modules" ] || [ "$v2node/package-lock.json" -nt "$v2node/node_modules" ]; then
  echo "tests/run.sh: npm ci in $v2node (node-hl7-client, hl7v2)"
  (cd "$v2node" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

# Built once, then every test project (tests/*.Tests) runs one after another: run together, the 8,000 service tests starve the browser
# tests of CPU, whose timings (SIGTERM -> "connection lost" banner within 10 s) are part of what they check.
dotnet build CrsMonitor.sln --configuration Release
status=0
for project in tests/*.Tests/; do
  dotnet test "$project" --configuration Release --no-build "$@" || status=1
done
exit "$status"
