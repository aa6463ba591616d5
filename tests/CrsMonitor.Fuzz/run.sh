#!/usr/bin/env bash
# Fuzzes the FHIR parse path and the neuro-check reader (issue 10) and the HL7 v2 ER7 parser (issue 15) with afl-fuzz
# and SharpFuzz. Not part of the test suite (it runs for minutes to hours): developers and the nightly job run it.
#
#   tests/CrsMonitor.Fuzz/run.sh [SECONDS] [TARGET...]      SECONDS per target (default 300); TARGET fhir, neuro, er7 (default all)
#
# What it does: installs afl-fuzz (Debian afl++) when missing and the SharpFuzz.CommandLine tool (same version as the
# SharpFuzz package, into the work folder); publishes this project; instruments the published CrsMonitor.Service.dll
# (Ingest, Assessment and Hl7v2 namespaces) and Hl7.Fhir.Base.dll (Firely's parser) for afl's coverage; runs afl-fuzz on
# each target, its seeds from Corpus/Seeds/<target>, with fhir.dict (er7.dict for er7); then replays what afl kept as
# crashes and hangs through the uninstrumented targets and prints each input's outcome, time and stack.
# Work folder: $FUZZ_WORK (default /tmp/crsmonitor-fuzz): findings in <work>/findings/<target>/default/{crashes,hangs,queue},
# afl's figures in .../fuzzer_stats. Exit 1 when any target found a crash or a hang.
# A crash or hang, once reported (and fixed), is kept: copy the input into Corpus/Regressions/<target>/, where
# CrsMonitor.Service.Tests (Ingest/FuzzCorpusTests.cs; Hl7v2/Er7/Er7FuzzCorpusTests.cs for er7) replays it on every run.
# Settings (environment): FUZZ_TIMEOUT_MS per input before afl calls it a hang (default 5000; fixed, not afl's
# auto-scaled one: afl kills the target on a timeout, and SharpFuzz runs in process, so a timeout ends the campaign and
# the input is left in <work>/findings/<target>/last-input, replayed below); FUZZ_RESUME=1 goes on
# from the queue a previous run left in the work folder (a nightly job keeps what it learnt) instead of the seeds.
set -euo pipefail

seconds="${1:-300}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fhir neuro er7)
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="${FUZZ_WORK:-/tmp/crsmonitor-fuzz}"
timeout_ms="${FUZZ_TIMEOUT_MS:-5000}"

case "$seconds" in
  ''|*[!0-9]*) echo "SECONDS must be a whole number, got '$seconds'" >&2; exit 2 ;;
esac
for t in "${targets[@]}"; do
  case "$t" in fhir|neuro|er7) ;; *) echo "unknown target '$t' (fhir, neuro, er7)" >&2; exit 2 ;; esac
done

if ! command -v afl-fuzz >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++
fi

version="$(sed -n 's/.*Include="SharpFuzz" Version="\([^"]*\)".*/\1/p' "$root/Directory.Packages.props")"
sharpfuzz="$work/tools/sharpfuzz"
if [ ! -x "$sharpfuzz" ] || ! grep -qs "$version" "$work/tools/.version"; then
  rm -rf "$work/tools"
  dotnet tool install SharpFuzz.CommandLine --version "$version" --tool-path "$work/tools"
  echo "$version" > "$work/tools/.version"
fi

# A fresh publish each run: instrumenting changes the assemblies in place, and must happen once.
rm -rf "$work/bin" "$work/plain"
dotnet publish "$here/CrsMonitor.Fuzz.csproj" -c Release -o "$work/bin" -p:DashboardBuild=false -nologo -v quiet
cp -r "$work/bin" "$work/plain"  # uninstrumented copy, for the replay of findings
"$sharpfuzz" "$work/bin/CrsMonitor.Service.dll" CrsMonitor.Service.Ingest CrsMonitor.Service.Assessment CrsMonitor.Service.Hl7v2
"$sharpfuzz" "$work/bin/Hl7.Fhir.Base.dll"

# afl wants the host set up for it; in a container these cannot be changed, so say so instead of failing.
export AFL_SKIP_BIN_CHECK=1          # the target is `dotnet x.dll`: SharpFuzz does the instrumentation, not afl-cc
export AFL_NO_UI=1                   # a status line every minute, readable in a log
export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_SKIP_CPUFREQ=1
export AFL_NO_AFFINITY=1             # shared machines: let the kernel place it
export AFL_SKIP_CRASHES=1            # a seed that crashes is reported below rather than refused at start-up
export DOTNET_TieredPGO=0            # fewer recompilations, steadier timings across executions

found=0
for t in "${targets[@]}"; do
  out="$work/findings/$t"
  seeds="$here/Corpus/Seeds/$t"
  if [ "${FUZZ_RESUME:-0}" = 1 ] && [ -d "$out/default/queue" ]; then
    seeds=-
  else
    rm -rf "$out"; mkdir -p "$work/findings"
  fi
  echo "== afl-fuzz $t for ${seconds}s (seeds: $seeds)"
  export FUZZ_LAST_INPUT="$out/last-input"
  dict="$here/fhir.dict"; [ "$t" != er7 ] || dict="$here/er7.dict"
  afl-fuzz -i "$seeds" -o "$out" -x "$dict" -t "$timeout_ms" -m none -V "$seconds" \
    -- dotnet "$work/bin/CrsMonitor.Fuzz.dll" "$t" || {
    echo "== afl-fuzz $t stopped early (exit $?): the target died or hung; the input it was running (replayed):"
    found=1
    dotnet "$work/plain/CrsMonitor.Fuzz.dll" replay "$t" "$FUZZ_LAST_INPUT" || true
  }
  stats="$out/default/fuzzer_stats"
  if [ -f "$stats" ]; then
    grep -E '^(run_time|execs_done|execs_per_sec|corpus_count|bitmap_cvg|edges_found|total_edges|saved_crashes|saved_hangs|unique_crashes|unique_hangs) ' "$stats" || true
  fi
  for kind in crashes hangs; do
    dir="$out/default/$kind"
    if [ -d "$dir" ] && ls "$dir" | grep -qv README; then
      found=1
      echo "== $t: $kind kept by afl (replayed without instrumentation):"
      find "$dir" -type f ! -name README.txt -print0 | xargs -0 dotnet "$work/plain/CrsMonitor.Fuzz.dll" replay "$t" || true
    fi
  done
done

[ "$found" = 0 ] || echo "Findings above: report them, then keep each input in $here/Corpus/Regressions/<target>/."
exit "$found"
