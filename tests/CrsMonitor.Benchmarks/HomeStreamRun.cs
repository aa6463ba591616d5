using System.Diagnostics;
using System.Globalization;

namespace CrsMonitor.Benchmarks;

/// <summary>One phase of the home scenario on one database: the load offered and what the service did with it.</summary>
public sealed record HomePhase(
    string Provider, double Speedup, double OfferedPerSecond, long Sent, long Acknowledged, long Errors, long Unanswered,
    double P50, double P95, double P99, double Max, double? ServiceCpuPercent, double? OthersCpuPercent, string? FirstError)
{
    /// <summary>Kept up: every reading answered 2xx and the slowest 1 % under a second.</summary>
    public bool KeptUp => Errors == 0 && Unanswered == 0 && P99 < 1000;
}

/// <summary>
/// The home-monitoring scenario (issue 17): N patients at home (default 500), each after a C1D1 tarlatamab dose (their
/// windows open), streaming as their wearable and cuff do (<see cref="HomeSignal"/>): one POST per reading, open loop
/// (each leaves at its planned instant whatever the answers; latency counts from the planned instant), at the real
/// rates and then faster (the speed-ups), so the report says both what the real load costs and how much headroom one
/// node has. Then the exactly-once check of every acknowledged Observation.
/// </summary>
public sealed class HomeStreamRun(BenchmarkOptions options, Cleanup cleanup)
{
    private readonly List<HomePhase> phases = [];
    private readonly List<string> notes = [];
    private readonly string runId = Guid.NewGuid().ToString("N")[..8];

    /// <summary>Why the run failed although it measured (writes not stored exactly once); null when it did not.</summary>
    public string? Failure { get; private set; }

    public static TimeSpan Budget(BenchmarkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var providers = (options.IncludesSqlite ? 1 : 0) + (options.IncludesPostgres ? 1 : 0);
        return TimeSpan.FromSeconds(providers * ((options.HomeSpeedups.Count * (options.HomeSeconds + 90)) + 600) + 120);
    }

    public async Task<string> RunAsync(CancellationToken ct)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var dll = Path.GetFullPath(options.ServiceDll ?? Path.Combine(AppContext.BaseDirectory, "CrsMonitor.Service.dll"));
        if (!File.Exists(dll) || !File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json")))
        {
            throw new InvalidOperationException($"{dll} (with its .runtimeconfig.json) is missing: build the solution, or pass --service-dll");
        }

        var root = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"crsmonitor-bench-home-{runId}")).FullName;
        cleanup.DeleteOnExit(root);
        Progress(Inv($"CrsMonitor home-monitoring benchmark: {options.HomePatients} patients at home, {HomeSignal.PerPatientPerMinute:0.##} readings per patient per minute, ")
            + Inv($"speed-ups {string.Join(", ", options.HomeSpeedups)} of {options.HomeSeconds} s each; {Environment.ProcessorCount} cores; service {dll}; budget {Budget(options)}"));
        foreach (var provider in new[] { "SQLite", "PostgreSQL" })
        {
            if (provider == "SQLite" ? !options.IncludesSqlite : !options.IncludesPostgres)
            {
                continue;
            }

            var data = Directory.CreateDirectory(Path.Combine(root, $"service-{provider.ToLowerInvariant()}")).FullName;
            string[] settings;
            string connection;
            if (provider == "SQLite")
            {
                settings = ["--Storage:Provider=sqlite"];
                connection = Path.Combine(data, "crsmonitor.db");
            }
            else
            {
                Progress("starting a throwaway PostgreSQL 15 cluster");
                var postgres = await PostgresCluster.StartAsync(cleanup, ct).ConfigureAwait(false);
                await postgres.CreateDatabaseAsync("bench_home", ct).ConfigureAwait(false);
                connection = postgres.ConnectionStringFor("bench_home");
                settings = ["--Storage:Provider=postgres", $"--Storage:ConnectionString={connection}", "--Storage:MigrateOnStartup=true"];
            }

            Progress($"starting CrsMonitor.Service on {provider}");
            var service = await ServiceProcess.StartAsync(dll, data, settings, cleanup, ct).ConfigureAwait(false);
            long acknowledged = 0, unacknowledged = 0;
            try
            {
                using var tokens = new TokenKeeper(service);
                var patients = Enumerable.Range(0, options.HomePatients)
                    .Select(i => $"home-{provider.ToLowerInvariant()}-{i.ToString("D4", CultureInfo.InvariantCulture)}").ToList();
                await HomeSetup.RunAsync(service, tokens, runId, patients, ct).ConfigureAwait(false);
                var sequence = 0L;
                foreach (var speedup in options.HomeSpeedups)
                {
                    var phase = await PhaseAsync(service, tokens, provider, patients, speedup, () => Interlocked.Increment(ref sequence), ct).ConfigureAwait(false);
                    phases.Add(phase);
                    acknowledged += phase.Acknowledged;
                    unacknowledged += phase.Errors + phase.Unanswered;
                    Progress(Inv($"  {provider,-10} ×{speedup,-4} offered {phase.OfferedPerSecond,7:0.0}/s  p50 {phase.P50,7:0.0}  p99 {phase.P99,7:0.0}  max {phase.Max,7:0.0} ms  ")
                        + Inv($"errors {phase.Errors}  unanswered {phase.Unanswered}  service CPU {Percent(phase.ServiceCpuPercent)}"));
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new InvalidOperationException($"{e.Message}\nservice log (last lines):\n{service.LogTail()}", e);
            }
            finally
            {
                await service.StopAsync().ConfigureAwait(false);
            }

            var counts = await StoredCheck.ReadAsync(provider, connection, ct).ConfigureAwait(false);
            notes.Add(StoredCheck.Note(provider, counts, acknowledged, unacknowledged));
            if (StoredCheck.Verdict(counts.Observations, acknowledged, unacknowledged) == StoredCheck.Mismatch)
            {
                Failure ??= Inv($"{provider}: {acknowledged:N0} Observations acknowledged, {counts.Observations:N0} stored");
            }
        }

        return HomeStreamReport.Markdown(options, phases, notes, startedAt);
    }

    /// <summary>One phase: the plan at <paramref name="speedup"/>, sent open loop, each reading effective when it leaves.</summary>
    private async Task<HomePhase> PhaseAsync(
        ServiceProcess service, TokenKeeper tokens, string provider, List<string> patients, double speedup, Func<long> next, CancellationToken ct)
    {
        var length = TimeSpan.FromSeconds(options.HomeSeconds);
        var plan = HomeStreamPlan.Phase(patients.Count, speedup, length, seed: 17);
        using var client = LoadGenerator.NewClient(service.BaseAddress, 256);
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var latencies = new List<double>(plan.Count);
        long acknowledged = 0, errors = 0;
        string? firstError = null;
        var pending = new List<Task>(plan.Count);
        var random = new Random(17);
        var machineBefore = MachineLoad.Sample();
        var serviceBefore = ProcessCpu.Sample(service.ProcessId);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < plan.Count && !ct.IsCancellationRequested;)
        {
            var now = Stopwatch.GetTimestamp();
            for (; i < plan.Count && start + Ticks(plan[i].AtSeconds) <= now; i++)
            {
                var reading = plan[i];
                var planned = start + Ticks(reading.AtSeconds);
                var body = HomeFeed.Reading(runId, patients[reading.Patient], next(), reading.Signal, DateTimeOffset.UtcNow, random);
                pending.Add(Task.Run(async () =>
                {
                    var token = await tokens.TokenAsync(abandon.Token).ConfigureAwait(false);
                    var (ok, error) = await LoadGenerator.SendAsync(client, "/fhir/Observation", body, token, abandon.Token).ConfigureAwait(false);
                    var took = (double)(Stopwatch.GetTimestamp() - planned) * 1000 / Stopwatch.Frequency;
                    lock (latencies)
                    {
                        if (ok)
                        {
                            acknowledged++;
                            latencies.Add(took);
                        }
                        else if (!abandon.IsCancellationRequested)
                        {
                            errors++;
                            firstError ??= error;
                        }
                    }
                }, CancellationToken.None));
            }

            await Task.Delay(1, ct).ConfigureAwait(false);
        }

        var all = Task.WhenAll(pending);
        await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(30), ct)).ConfigureAwait(false);
        var serviceCpu = ProcessCpu.MachinePercent(serviceBefore, ProcessCpu.Sample(service.ProcessId));
        var others = MachineLoad.OthersPercent(machineBefore, MachineLoad.Sample());
        await abandon.CancelAsync().ConfigureAwait(false);
        await all.ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
        lock (latencies)
        {
            latencies.Sort();
            double Percentile(double p) => latencies.Count == 0 ? double.NaN : latencies[(int)Math.Min(latencies.Count - 1, Math.Ceiling(p * latencies.Count) - 1)];
            var unanswered = plan.Count - acknowledged - errors;
            return new HomePhase(provider, speedup, plan.Count / length.TotalSeconds, plan.Count, acknowledged, errors, unanswered,
                Percentile(0.50), Percentile(0.95), Percentile(0.99), Percentile(1.0), serviceCpu, others, firstError);
        }
    }

    private static long Ticks(double seconds) => (long)(seconds * Stopwatch.Frequency);

    private static string Percent(double? value) => value is { } v ? Inv($"{v:0.0} %") : "n/a";

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static void Progress(string line) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");
}
