#!/usr/bin/env bash
# The one test command (README): installs and starts what the suite needs, then runs every test project.
# The suite needs the .NET SDK and PostgreSQL 15 (below); later issues add Redis and Chromium here, never by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# The storage tests start their own throwaway PostgreSQL 15 cluster from Debian's binaries (never a shared server).
# The package also brings ICU (libicu72), which the service needs for Microsoft.Data.SqlClient (InvariantGlobalization=false).
if [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
  echo "tests/run.sh: installing PostgreSQL 15 (Debian package postgresql) for the storage tests"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi

dotnet test CrsMonitor.sln --configuration Release "$@"
