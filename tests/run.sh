#!/usr/bin/env bash
# The one test command (README): installs and starts what the suite needs, then runs every test project.
# Today the suite needs only the .NET SDK; later issues add PostgreSQL, Redis and Chromium here, never by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet test CrsMonitor.sln --configuration Release "$@"
