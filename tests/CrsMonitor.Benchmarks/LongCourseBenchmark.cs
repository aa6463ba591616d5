using System.Globalization;

namespace CrsMonitor.Benchmarks;

/// <summary>One measured patient of the long course on one database.</summary>
public sealed record LongCourseResult(string Provider, int History, bool HistoryHasFever, HistoryLoad Load, PostSeries Posts, double? OthersCpuPercent);

/// <summary>
/// The long-course benchmark (issue 12): does a write's cost depend on the patient's history? Per database, the real
/// service as a child process (as the other scenarios start it); one patient per history size (default 0, 10,000 and
/// 80,000 readings), admitted through the ADT path; their histories loaded through the FHIR API as a wearable sends
/// them (<see cref="HistoryLoader"/>, <see cref="CourseHistory"/>), ending just before now; then single Observation
/// POSTs taken now, interleaved round-robin over the patients from one client (<see cref="InterleavedPosts"/>), so the
/// latencies are side by side in one run; then the exactly-once check (<see cref="StoredCheck"/>) over all and per
/// patient: a write acknowledged but not stored once fails the run.
/// </summary>
public sealed class LongCourseRun(BenchmarkOptions options, Cleanup cleanup)
{
    private readonly List<LongCourseResult> results = [];
    private readonly List<string> notes = [];
    private readonly string runId = Guid.NewGuid().ToString("N")[..8];

    /// <summary>Why the run failed although it measured (writes not stored exactly once); null when it did not.</summary>
    public string? Failure { get; private set; }

    /// <summary>
    /// The longest the run may take: history loading as when every Bundle re-grades the whole history so far (2 ms per
    /// reading stored plus 100 µs per reading re-read: quadratic in the largest history, about an hour for 80,000), the
    /// POSTs at up to 2 s each, and start-up slack.
    /// </summary>
    public static TimeSpan Budget(BenchmarkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var providers = (options.IncludesSqlite ? 1 : 0) + (options.IncludesPostgres ? 1 : 0);
        double largest = options.History.Count == 0 ? 0 : options.History.Max();
        var loading = (largest * 0.002) + (largest / HistoryLoader.BundleSize * (largest / 2) * 100e-6);
        var posts = (options.Posts + options.PostWarmup) * options.History.Count * 2.0;
        return TimeSpan.FromSeconds((providers * (loading + posts + 300)) + 300);
    }

    public async Task<string> RunAsync(CancellationToken ct)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var dll = Path.GetFullPath(options.ServiceDll ?? Path.Combine(AppContext.BaseDirectory, "CrsMonitor.Service.dll"));
        if (!File.Exists(dll) || !File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json")))
        {
            throw new InvalidOperationException($"{dll} (with its .runtimeconfig.json) is missing: build the solution, or pass --service-dll");
        }

        if (options.History.Count == 0)
        {
            throw new InvalidOperationException("--history names no size");
        }

        var root = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"crsmonitor-bench-course-{runId}")).FullName;
        cleanup.DeleteOnExit(root);
        Progress($"CrsMonitor long-course benchmark: histories of {string.Join(", ", options.History.Select(h => h.ToString("N0", CultureInfo.InvariantCulture)))} readings; "
            + $"{options.Posts} single POSTs per patient after {options.PostWarmup}, round-robin; {Environment.ProcessorCount} cores; service {dll}; budget {Budget(options)}");

        foreach (var provider in new[] { "SQLite", "PostgreSQL" })
        {
            if (provider == "SQLite" ? !options.IncludesSqlite : !options.IncludesPostgres)
            {
                continue;
            }

            string[] settings;
            string connection;
            var data = Directory.CreateDirectory(Path.Combine(root, $"service-{provider.ToLowerInvariant()}")).FullName;
            if (provider == "SQLite")
            {
                settings = ["--Storage:Provider=sqlite"];
                connection = Path.Combine(data, "crsmonitor.db");
            }
            else
            {
                Progress("starting a throwaway PostgreSQL 15 cluster");
                var postgres = await PostgresCluster.StartAsync(cleanup, ct).ConfigureAwait(false);
                await postgres.CreateDatabaseAsync("bench_course", ct).ConfigureAwait(false);
                connection = postgres.ConnectionStringFor("bench_course");
                settings = ["--Storage:Provider=postgres", $"--Storage:ConnectionString={connection}", "--Storage:MigrateOnStartup=true"];
            }

            Progress($"starting CrsMonitor.Service on {provider}");
            var service = await ServiceProcess.StartAsync(dll, data, settings, cleanup, ct).ConfigureAwait(false);
            IReadOnlyList<CoursePatient> patients;
            try
            {
                patients = await MeasureAsync(service, provider, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new InvalidOperationException($"{e.Message}\nservice log (last lines):\n{service.LogTail()}", e);
            }
            finally
            {
                await service.StopAsync().ConfigureAwait(false);
            }

            await CheckStoredAsync(provider, connection, patients, ct).ConfigureAwait(false);
            NoteLog(provider, service.LogFile);
        }

        return LongCourseReport.Markdown(options, results, notes, startedAt);
    }

    /// <summary>Admits one patient per history size, loads their histories, then measures the interleaved POSTs.</summary>
    private async Task<IReadOnlyList<CoursePatient>> MeasureAsync(ServiceProcess service, string provider, CancellationToken ct)
    {
        using var tokens = new TokenKeeper(service);
        var end = DateTimeOffset.UtcNow;
        var patients = options.History
            .Select(h => new CoursePatient($"lc-{provider.ToLowerInvariant()}-h{h.ToString(CultureInfo.InvariantCulture)}", new CourseHistory(h, end, h + 12)))
            .ToList();
        using (var admin = LoadGenerator.NewClient(service.BaseAddress, 1))
        {
            var token = await tokens.TokenAsync(ct).ConfigureAwait(false);
            await LoadGenerator.PutAsync(admin, $"/fhir/Location/{Payloads.Unit}", Payloads.Location(Payloads.Unit), token, ct).ConfigureAwait(false);
            var (ok, error) = await LoadGenerator.SendAsync(
                admin, "/fhir", System.Text.Encoding.UTF8.GetBytes(Payloads.Admission(Payloads.Unit, patients.Select(p => p.Id))), token, ct).ConfigureAwait(false);
            if (!ok)
            {
                throw new InvalidOperationException($"the admission Bundle was not stored: {error}");
            }
        }

        Progress($"  {provider}: loading {patients.Sum(p => p.History.Count):N0} readings of history in Bundles of {HistoryLoader.BundleSize}, "
            + $"the patients in parallel (from {patients.Min(p => p.History.Start):yyyy-MM-dd HH:mm} to {end:yyyy-MM-dd HH:mm} UTC)");
        var loading = System.Diagnostics.Stopwatch.StartNew();
        var loads = await new HistoryLoader(service.BaseAddress, tokens, runId).LoadAsync(patients, ct).ConfigureAwait(false);
        Progress(string.Create(CultureInfo.InvariantCulture, $"  {provider}: histories loaded in {loading.Elapsed.TotalSeconds:0.0} s"));
        notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"{provider}: the histories were loaded in {loading.Elapsed.TotalSeconds:N1} s; they end {(DateTimeOffset.UtcNow - end).TotalMinutes:N1} minutes before the first single POST (warm-up included)."));

        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        Progress($"  {provider}: {options.PostWarmup} + {options.Posts} single POSTs per patient, round-robin over {patients.Count} patients, one client");
        var before = MachineLoad.Sample();
        var series = await new InterleavedPosts(service.BaseAddress, tokens, runId, options.PostWarmup, options.Posts).RunAsync(patients, ct).ConfigureAwait(false);
        var others = MachineLoad.OthersPercent(before, MachineLoad.Sample());
        for (var i = 0; i < patients.Count; i++)
        {
            var s = series[i];
            var l = s.Latency;
            results.Add(new LongCourseResult(provider, patients[i].History.Count, patients[i].History.HasFever, loads[i], s, others));
            Progress(string.Create(CultureInfo.InvariantCulture,
                $"  {provider,-10} history {patients[i].History.Count,7:N0}  p50 {l.P50,8:0.00}  p95 {l.P95,8:0.00}  p99 {l.P99,8:0.00}  max {l.Max,8:0.00} ms  errors {s.Errors}"));
            if (s.Errors > 0)
            {
                notes.Add($"{provider} {s.Patient}: {s.Errors} POSTs failed, first: {s.FirstError}");
            }
        }

        return patients;
    }

    /// <summary>Every acknowledged Observation stored once: over the whole database, and per measured patient; a mismatch fails the run.</summary>
    private async Task CheckStoredAsync(string provider, string connection, IReadOnlyList<CoursePatient> patients, CancellationToken ct)
    {
        var counts = await StoredCheck.ReadAsync(provider, connection, ct).ConfigureAwait(false);
        var mine = results.Where(r => r.Provider == provider).ToList();
        long acknowledged = mine.Sum(r => r.Load.Acknowledged + r.Posts.Acknowledged), unacknowledged = mine.Sum(r => r.Posts.Errors);
        notes.Add(StoredCheck.Note(provider, counts, acknowledged, unacknowledged));
        var wrong = new List<string>();
        if (StoredCheck.Verdict(counts.Observations, acknowledged, unacknowledged) == StoredCheck.Mismatch)
        {
            wrong.Add(string.Create(CultureInfo.InvariantCulture, $"{acknowledged:N0} acknowledged, {counts.Observations:N0} stored in all"));
        }

        foreach (var (patient, r) in patients.Zip(mine))
        {
            var stored = counts.ObservationsPerPatient.GetValueOrDefault(patient.Id);
            var expected = r.Load.Acknowledged + r.Posts.Acknowledged;
            if (StoredCheck.Verdict(stored, expected, r.Posts.Errors) == StoredCheck.Mismatch)
            {
                wrong.Add(string.Create(CultureInfo.InvariantCulture, $"{patient.Id}: {expected:N0} acknowledged, {stored:N0} stored"));
            }
        }

        if (wrong.Count > 0)
        {
            notes.Add($"{provider}: {StoredCheck.Mismatch} {string.Join("; ", wrong)}");
            Failure ??= $"{provider}: acknowledged Observations not stored exactly once: {string.Join("; ", wrong)}";
        }
    }

    /// <summary>Notes errors the service logged, with the first one's message; keeps its log beside the report if any.</summary>
    private void NoteLog(string provider, string logFile)
    {
        var lines = File.Exists(logFile) ? File.ReadAllLines(logFile) : [];
        var bad = lines.Where(l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal)).ToList();
        if (bad.Count == 0)
        {
            return;
        }

        var kept = string.Empty;
        if (options.OutputFile is { } report)
        {
            var copy = Path.GetFullPath(Path.ChangeExtension(report, $".course-service-{provider.ToLowerInvariant()}.log"));
            File.Copy(logFile, copy, overwrite: true);
            kept = $" (log kept: {copy})";
        }

        var first = Array.IndexOf(lines, bad[0]);
        notes.Add($"{provider}: the service logged {bad.Count} errors{kept}; first: {string.Join(" / ", lines.Skip(first).Take(3).Select(l => l.Trim()))}");
    }

    private static void Progress(string line) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");
}
