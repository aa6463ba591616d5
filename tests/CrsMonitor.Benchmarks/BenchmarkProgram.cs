using System.Globalization;
using System.Runtime.InteropServices;

namespace CrsMonitor.Benchmarks;

/// <summary>
/// The ingest benchmark (issue 3, section 7). One run measures, over real HTTP on 127.0.0.1: the HTTP, parse and
/// parse-and-store ceilings, then the real service (a child process) on SQLite and/or PostgreSQL, for single
/// Observation POSTs at 1, 8 and 32 clients and transaction Bundles of 100 at 1 and 8 clients, plus the latency at a
/// paced 1,000 observations/s on SQLite, then the MLLP scenario (issue 15, <see cref="MllpScenario"/>: HL7 v2 over MLLP
/// side by side with FHIR, on the same service process); then prints a Markdown table for the README.
/// <c>--scenario mllp</c> runs the MLLP scenario alone (no ceilings). <c>--scenario alerts</c> runs the
/// alert benchmark instead (<see cref="AlertBenchmarkRun"/>), <c>--scenario long-course</c> the per-write latency by
/// history size (<see cref="LongCourseRun"/>), <c>--scenario home</c> the home patients' device streams
/// (<see cref="HomeStreamRun"/>), <c>--scenario all</c> every one, one report after the other. Exit 0 when
/// every scenario ran (whether or not the targets were met), 1 on failure (including acknowledged writes not stored
/// exactly once, after the report), 2 on bad arguments.
/// </summary>
public static class BenchmarkProgram
{
    public static async Task<int> Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Any(a => a is "--help" or "-h"))
        {
            Console.WriteLine(BenchmarkOptions.Usage);
            return 0;
        }

        var options = BenchmarkOptions.Parse(args, out var error);
        if (options is null)
        {
            await Console.Error.WriteLineAsync($"benchmark: {error}{Environment.NewLine}{BenchmarkOptions.Usage}").ConfigureAwait(false);
            return 2;
        }

        var cleanup = new Cleanup();
        var budget = (options.IncludesIngest || options.IncludesMllp ? BenchmarkRun.Budget(options) : TimeSpan.Zero) + (options.IncludesAlerts ? AlertBenchmarkRun.Budget(options) : TimeSpan.Zero)
            + (options.IncludesLongCourse ? LongCourseRun.Budget(options) : TimeSpan.Zero) + (options.IncludesHome ? HomeStreamRun.Budget(options) : TimeSpan.Zero);
        using var stop = new CancellationTokenSource(budget);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        // Ctrl+C and SIGTERM stop the run through its cancellation token, so clean-up runs below; should the process end
        // some other way, ProcessExit still stops the children and removes the folders.
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cleanup.Run();
        try
        {
            var reports = new List<string>();
            var failures = new List<string>();
            if (options.IncludesIngest || options.IncludesMllp)
            {
                var ingest = new BenchmarkRun(options, cleanup);
                reports.Add(await ingest.RunAsync(stop.Token).ConfigureAwait(false));
                failures.AddRange(ingest.Failure is { } f ? [f] : []);
            }

            if (options.IncludesAlerts)
            {
                reports.Add(await new AlertBenchmarkRun(options, cleanup).RunAsync(stop.Token).ConfigureAwait(false));
            }

            if (options.IncludesLongCourse)
            {
                var course = new LongCourseRun(options, cleanup);
                reports.Add(await course.RunAsync(stop.Token).ConfigureAwait(false));
                failures.AddRange(course.Failure is { } f ? [f] : []);
            }

            if (options.IncludesHome)
            {
                var home = new HomeStreamRun(options, cleanup);
                reports.Add(await home.RunAsync(stop.Token).ConfigureAwait(false));
                failures.AddRange(home.Failure is { } f ? [f] : []);
            }

            var markdown = string.Join(Environment.NewLine, reports);
            Console.WriteLine();
            Console.WriteLine(markdown);
            if (options.OutputFile is { } file)
            {
                await File.WriteAllTextAsync(file, markdown, stop.Token).ConfigureAwait(false);
                await Console.Error.WriteLineAsync($"[{DateTime.Now:HH:mm:ss}] report written to {Path.GetFullPath(file)}").ConfigureAwait(false);
            }

            foreach (var failure in failures)
            {
                await Console.Error.WriteLineAsync($"benchmark FAILED: {failure}").ConfigureAwait(false);
            }

            return failures.Count == 0 ? 0 : 1;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("benchmark: stopped (Ctrl+C, SIGTERM or the run's time budget ran out); cleaning up").ConfigureAwait(false);
            return 1;
        }
#pragma warning disable CA1031 // Any failure ends the run with its message after clean-up.
        catch (Exception e)
#pragma warning restore CA1031
        {
            await Console.Error.WriteLineAsync($"benchmark failed: {e}").ConfigureAwait(false);
            return 1;
        }
        finally
        {
            cleanup.Run();
        }
    }
}

/// <summary>One run: every scenario in order (or the MLLP scenario alone), then the report.</summary>
public sealed class BenchmarkRun(BenchmarkOptions options, Cleanup cleanup)
{
    /// <summary>Ceilings ignore it; it makes their requests as large as the service's (a JWT of about this size).</summary>
    private static readonly string CeilingToken = new('x', 480);

    private readonly List<ScenarioResult> results = [];
    private readonly List<string> notes = [];
    private readonly string runId = Guid.NewGuid().ToString("N")[..8];
    private MllpScenario? mllp;

    /// <summary>Why the run failed although it measured (acknowledged writes not stored exactly once); null when it did not.</summary>
    public string? Failure { get; private set; }

    /// <summary>The share of the machine other processes used during the paced scenario.</summary>
    private double? PacedOthersCpu { get; set; }

    private TimeSpan Warmup => TimeSpan.FromSeconds(options.WarmupSeconds);

    private TimeSpan Measured => TimeSpan.FromSeconds(options.Seconds);

    /// <summary>How long the paced scenario waits for late answers before it gives up on them.</summary>
    private static TimeSpan PacedDrain => TimeSpan.FromSeconds(10);

    /// <summary>The longest a run may take before it stops itself: every scenario with generous slack.</summary>
    public static TimeSpan Budget(BenchmarkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var providers = (options.IncludesSqlite ? 1 : 0) + (options.IncludesPostgres ? 1 : 0);
        var scenarios = options.IncludesIngest ? (Workload.All.Count * (2 + (2 * providers))) + 1 : 0;
        var mllp = options.IncludesMllp ? MllpScenario.Budget(options) * providers : TimeSpan.Zero;
        return TimeSpan.FromSeconds((scenarios * (options.Seconds + options.WarmupSeconds + 30)) + 600) + mllp;
    }

    /// <summary>Runs every ingest scenario; returns the Markdown report.</summary>
    public async Task<string> RunAsync(CancellationToken ct)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var dll = Path.GetFullPath(options.ServiceDll ?? Path.Combine(AppContext.BaseDirectory, "CrsMonitor.Service.dll"));
        if (!File.Exists(dll) || !File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json")))
        {
            throw new InvalidOperationException($"{dll} (with its .runtimeconfig.json) is missing: build the solution, or pass --service-dll");
        }

        var root = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"crsmonitor-bench-{runId}")).FullName;
        cleanup.DeleteOnExit(root);
        var ingest = options.IncludesIngest;
        mllp = options.IncludesMllp ? new MllpScenario(options, runId) : null;
        Progress($"CrsMonitor {(ingest ? "ingest benchmark" : "MLLP scenario")}: {options.Seconds} s per scenario after {options.WarmupSeconds} s warm-up, "
            + $"{Environment.ProcessorCount} cores, service {dll}, budget {Budget(options)}");

        foreach (var kind in ingest && options.Ceilings ? [CeilingKind.Http, CeilingKind.Parse] : Array.Empty<CeilingKind>())
        {
            var server = await CeilingServer.StartAsync(kind, null, ct).ConfigureAwait(false);
            await using (server.ConfigureAwait(false))
            {
                await MeasureAllAsync(kind == CeilingKind.Http ? Target.HttpCeiling : Target.ParseCeiling, Report.NoProvider, server.BaseAddress, () => CeilingToken, ct)
                    .ConfigureAwait(false);
            }
        }

        Measurement? paced = null;
        PostgresCluster? postgres = null;
        foreach (var provider in new[] { "SQLite", "PostgreSQL" })
        {
            if (provider == "SQLite" ? !options.IncludesSqlite : !options.IncludesPostgres)
            {
                continue;
            }

            CeilingStore store;
            string serviceDb;
            string[] settings;
            if (provider == "SQLite")
            {
                store = await SqliteCeilingStore.CreateAsync(Path.Combine(root, "ceiling.db"), ct).ConfigureAwait(false);
                serviceDb = string.Empty;
                settings = ["--Storage:Provider=sqlite"];
            }
            else
            {
                Progress("starting a throwaway PostgreSQL 15 cluster");
                postgres = await PostgresCluster.StartAsync(cleanup, ct).ConfigureAwait(false);
                await postgres.CreateDatabaseAsync("bench_ceiling", ct).ConfigureAwait(false);
                await postgres.CreateDatabaseAsync("bench_service", ct).ConfigureAwait(false);
                store = await PostgresCeilingStore.CreateAsync(postgres.ConnectionStringFor("bench_ceiling"), ct).ConfigureAwait(false);
                serviceDb = postgres.ConnectionStringFor("bench_service");
                settings = ["--Storage:Provider=postgres", $"--Storage:ConnectionString={serviceDb}", "--Storage:MigrateOnStartup=true"];
            }

            if (store is SqliteCeilingStore sqlite && ingest)
            {
                notes.Add($"SQLite opened as the service opens it: journal_mode WAL, synchronous {await sqlite.SynchronousAsync(ct).ConfigureAwait(false)}.");
            }

            var ceiling = await CeilingServer.StartAsync(CeilingKind.ParseAndStore, store, ct).ConfigureAwait(false);
            await using (ceiling.ConfigureAwait(false))
            {
                if (ingest && options.Ceilings)
                {
                    await MeasureAllAsync(Target.StoreCeiling, provider, ceiling.BaseAddress, () => CeilingToken, ct).ConfigureAwait(false);
                }
            }

            var data = Directory.CreateDirectory(Path.Combine(root, $"service-{provider.ToLowerInvariant()}")).FullName;
            Progress($"starting CrsMonitor.Service on {provider}");
            var service = await ServiceProcess.StartAsync(dll, data, settings, cleanup, ct).ConfigureAwait(false);
            try
            {
                if (ingest)
                {
                    await MeasureAllAsync(Target.Service, provider, service.BaseAddress, () => service.Token, ct, service).ConfigureAwait(false);
                    if (provider == "SQLite")
                    {
                        paced = await MeasurePacedAsync(service, ct).ConfigureAwait(false);
                    }
                }

                if (mllp is not null)
                {
                    Progress($"MLLP scenario on {provider}: HL7 v2 ORU^R01 over MLLP side by side with FHIR, {string.Join(", ", options.MllpClients)} client(s)");
                    await mllp.MeasureAsync(service, provider, ct).ConfigureAwait(false);
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

            var measured = results.Where(r => r.Target == Target.Service && r.Provider == provider).Select(r => r.Measurement)
                .Concat(provider == "SQLite" && paced is not null ? [paced] : []).ToList();
            var database = provider == "SQLite" ? Path.Combine(data, "crsmonitor.db") : serviceDb;
            var (v2Acknowledged, v2Unacknowledged) = mllp?.Totals(provider) ?? (0, 0);
            if (ingest)
            {
                await NoteStoredAsync(
                    provider, database, measured.Sum(m => m.Acknowledged) + v2Acknowledged, measured.Sum(m => m.Unacknowledged) + v2Unacknowledged, ct).ConfigureAwait(false);
            }

            if (mllp is not null)
            {
                await mllp.CheckStoredAsync(provider, database, ct).ConfigureAwait(false);
                Failure ??= mllp.Failure;
            }

            NoteLog(provider, service.LogFile);
        }

        var report = ingest ? Report.Markdown(options, results, paced, PacedOthersCpu, notes, startedAt) : string.Empty;
        if (mllp is not null)
        {
            // Alone, the MLLP section carries the run's own notes (the service's logged errors) too.
            report += (ingest ? Environment.NewLine : string.Empty) + MllpReport.Markdown(options, mllp.Results, [.. mllp.Notes, .. ingest ? [] : notes], startedAt);
        }

        return report;
    }

    private async Task MeasureAllAsync(Target target, string provider, Uri baseAddress, Func<string> token, CancellationToken ct, ServiceProcess? service = null)
    {
        foreach (var workload in Workload.All)
        {
            var payloads = new Payloads(runId, $"{provider.ToLowerInvariant().Replace("-", "x", StringComparison.Ordinal)}-{workload.Key}", options.Patients);
            if (service is not null)
            {
                await service.EnsureTokenFor(Warmup + Measured + TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
                await AdmitAsync(service, payloads, ct).ConfigureAwait(false);
            }

            Settle();
            var before = MachineLoad.Sample();
            var m = await LoadGenerator.RunClosedAsync(baseAddress, token, workload, payloads, Warmup, Measured, ct).ConfigureAwait(false);
            var others = MachineLoad.OthersPercent(before, MachineLoad.Sample());
            results.Add(new ScenarioResult(target, provider, workload, m, others));
            Progress(string.Create(CultureInfo.InvariantCulture,
                $"  {target,-12} {provider,-10} {workload.Key,-10} {m.ObservationsPerSecond,9:N0} obs/s {m.RequestsPerSecond,8:N0} req/s  p50 {m.P50,7:0.00} ms  p99 {m.P99,7:0.00} ms  errors {m.Errors}  others' CPU {others:0}%"));
            if (m.Errors > 0)
            {
                notes.Add($"{target} {provider} {workload.Key}: {m.Errors} errors, first: {m.FirstError}");
            }
        }
    }

    private async Task<Measurement> MeasurePacedAsync(ServiceProcess service, CancellationToken ct)
    {
        var payloads = new Payloads(runId, "sqlite-paced", options.Patients);
        await service.EnsureTokenFor(Warmup + Measured + TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
        await AdmitAsync(service, payloads, ct).ConfigureAwait(false);
        Settle();
        var before = MachineLoad.Sample();
        var m = await LoadGenerator.RunPacedAsync(service.BaseAddress, () => service.Token, payloads, options.PacedRate, Warmup, Measured, PacedDrain, ct)
            .ConfigureAwait(false);
        PacedOthersCpu = MachineLoad.OthersPercent(before, MachineLoad.Sample());
        Progress(string.Create(CultureInfo.InvariantCulture,
            $"  paced        SQLite     {options.PacedRate}/s    {m.ObservationsPerSecond,9:N0} obs/s  p50 {m.P50,7:0.00} ms  p99 {m.P99,7:0.00} ms  max {m.Max:0.00} ms  in flight <= {m.MaxInFlight}  unanswered {m.Unanswered}  errors {m.Errors}  others' CPU {PacedOthersCpu:0}%"));
        if (m.Errors > 0)
        {
            notes.Add($"paced SQLite: {m.Errors} errors, first: {m.FirstError}");
        }

        return m;
    }

    /// <summary>Admits the workload's patients through the ADT path: the benchmark ward, then Patient and Encounter of each.</summary>
    internal static async Task AdmitAsync(ServiceProcess service, Payloads payloads, CancellationToken ct)
    {
        using var client = LoadGenerator.NewClient(service.BaseAddress, 4);
        var token = service.Token;
        await LoadGenerator.PutAsync(client, $"/fhir/Location/{Payloads.Unit}", Payloads.Location(Payloads.Unit), token, ct).ConfigureAwait(false);
        await Parallel.ForEachAsync(Enumerable.Range(0, payloads.Patients), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (i, c) =>
        {
            var patient = payloads.PatientId(i);
            await LoadGenerator.PutAsync(client, $"/fhir/Patient/{patient}", Payloads.Patient(patient), token, c).ConfigureAwait(false);
            await LoadGenerator.PutAsync(client, $"/fhir/Encounter/enc-{patient}", Payloads.Encounter($"enc-{patient}", patient, Payloads.Unit), token, c)
                .ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    /// <summary>Collects this process's garbage between scenarios, so one scenario's garbage is not another's pause.</summary>
    private static void Settle()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
    }

    /// <summary>The exactly-once check (<see cref="StoredCheck"/>); a mismatch is noted and fails the run after the report.</summary>
    private async Task NoteStoredAsync(string provider, string connection, long acknowledged, long unacknowledged, CancellationToken ct)
    {
        var counts = await StoredCheck.ReadAsync(provider, connection, ct).ConfigureAwait(false);
        notes.Add(StoredCheck.Note(provider, counts, acknowledged, unacknowledged));
        if (StoredCheck.Verdict(counts.Observations, acknowledged, unacknowledged) == StoredCheck.Mismatch)
        {
            Failure ??= string.Create(CultureInfo.InvariantCulture,
                $"{provider}: {acknowledged:N0} Observations acknowledged, {counts.Observations:N0} stored, {unacknowledged:N0} unacknowledged: not stored exactly once");
        }
    }

    /// <summary>Notes errors the service logged, with the first one's message; keeps its log beside the report if any.</summary>
    private void NoteLog(string provider, string logFile)
    {
        var lines = File.Exists(logFile) ? File.ReadAllLines(logFile) : [];
        var first = Array.FindIndex(lines, l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal));
        if (first < 0)
        {
            return;
        }

        var count = lines.Count(l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal));
        var message = string.Join(" / ", lines.Skip(first).Take(3).Select(l => l.Trim()));
        var kept = string.Empty;
        if (options.OutputFile is { } report)
        {
            var copy = Path.GetFullPath(Path.ChangeExtension(report, $".service-{provider.ToLowerInvariant()}.log"));
            File.Copy(logFile, copy, overwrite: true);
            kept = $" (log kept: {copy})";
        }

        notes.Add($"{provider}: the service logged {count} errors{kept}; first: {message}");
    }

    private static void Progress(string line) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");
}
