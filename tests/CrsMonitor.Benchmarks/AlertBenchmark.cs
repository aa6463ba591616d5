using System.Globalization;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CrsMonitor.Benchmarks;

/// <summary>What an alert scenario measured.</summary>
public enum AlertScenario
{
    /// <summary>One dashboard, nothing else happening.</summary>
    Idle,

    /// <summary>One dashboard, background observations (another unit) at a steady open-loop rate.</summary>
    Loaded,

    /// <summary>Many dashboards of one unit, unit-wide alerts one after the other.</summary>
    Fanout,
}

/// <summary>One row of the alert report.</summary>
public sealed record AlertResult(
    bool Bare, string Provider, AlertScenario Scenario, int Dashboards, IReadOnlyList<AlertSample> Samples, int BackgroundRate, Measurement? Background,
    double? OthersCpuPercent, ConnectStats? Connect = null, int ConnectionsLost = 0, int? ServiceThreads = null, CpuUse? Cpu = null)
{
    public IEnumerable<AlertSample> Ok => Samples.Where(s => s.Ok);

    public int Errors => Samples.Count(s => !s.Ok);

    public string? FirstError => Samples.FirstOrDefault(s => !s.Ok)?.Error;

    public long Expected => Ok.LongCount() * Dashboards;

    public long Received => Ok.Sum(s => s.Received.LongCount(r => r != 0));

    public LatencyStats Post => Stats.Of(Ok.Select(s => Stats.Ms(s.Answered - s.Start)));

    /// <summary>From the POST's answer (201 read) to each connection's alertRaised; negative when the push came first.</summary>
    public LatencyStats FromAnswer => Stats.Of(Ok.SelectMany(s => s.Received.Select(r => r == 0 ? double.PositiveInfinity : Stats.Ms(r - s.Answered))));

    /// <summary>From just before the POST was sent to each connection's alertRaised.</summary>
    public LatencyStats FromStart => Stats.Of(Ok.SelectMany(s => s.Received.Select(r => r == 0 ? double.PositiveInfinity : Stats.Ms(r - s.Start))));

    /// <summary>From POST start to the alert's raisedAt (service clock, inside the transaction): HTTP, parse, rules, waiting for the write lock.</summary>
    public LatencyStats StartToRaised => Stats.Of(Ok.Where(s => s.Raised is not null).Select(s => Stats.Ms(s.Raised!.Value - s.Start)));

    /// <summary>From raisedAt to the POST's answer read: the rest of the unit of work, COMMIT, the answer.</summary>
    public LatencyStats RaisedToAnswer => Stats.Of(Ok.Where(s => s.Raised is not null).Select(s => Stats.Ms(s.Answered - s.Raised!.Value)));

    /// <summary>From raisedAt to the first dashboard's alertRaised: the rest of the unit of work, COMMIT, bell, pusher's read, send.</summary>
    public LatencyStats RaisedToReceived => Stats.Of(Ok.Where(s => s.Raised is not null && s.Received[0] != 0).Select(s => Stats.Ms(s.Received[0] - s.Raised!.Value)));

    public long WithinOneSecond => Ok.Sum(s => s.Received.LongCount(r => r != 0 && Stats.Ms(r - s.Answered) <= 1000));

    public int RoundsAllWithinOneSecond => Ok.Count(s => s.Received.All(r => r != 0 && Stats.Ms(r - s.Answered) <= 1000));
}

/// <summary>
/// The alert benchmark (issue 5): over real HTTP and real SignalR WebSockets on 127.0.0.1, per database, the service as
/// a child process (as the ingest benchmark starts it): (1) alert latency, a fever for a new patient POSTed with an
/// integration token until <c>alertRaised</c> reaches a nurse's dashboard of that unit, idle and under background
/// observations of other patients on another unit; (2) 1,000 dashboards of one unit and one unit-wide alert at a time;
/// then (3) the same against a bare Kestrel + SignalR hub in this process (no database): the push ceiling.
/// </summary>
public sealed class AlertBenchmarkRun(BenchmarkOptions options, Cleanup cleanup)
{
    /// <summary>The unit of the latency scenarios (its nurse's dashboard measures).</summary>
    public const string MeasuredUnit = "7W";

    /// <summary>The unit of the fan-out scenario.</summary>
    public const string FanoutUnit = "5N";

    /// <summary>Distinct nurses whose tokens the fan-out dashboards share (each token is one run of the token verb).</summary>
    public const int FanoutNurses = 4;

    /// <summary>How many dashboards connect at once.</summary>
    public const int ConnectParallel = 50;

    private readonly List<AlertResult> results = [];
    private readonly List<string> notes = [];
    private readonly string runId = Guid.NewGuid().ToString("N")[..8];
    private string? alertTemplate;
    private string? wireName;

    private TimeSpan Warmup => TimeSpan.FromSeconds(options.WarmupSeconds);

    private TimeSpan Measured => TimeSpan.FromSeconds(options.Seconds);

    /// <summary>Alerts one latency scenario raises, warm-up included.</summary>
    private int AlertsPerLatencyScenario => (int)Math.Ceiling((options.WarmupSeconds + options.Seconds) * (double)options.AlertRate) + 1;

    /// <summary>The latency scenarios: idle (0), then one per background rate.</summary>
    private IReadOnlyList<int> LatencyRates => [0, .. options.BackgroundRates];

    /// <summary>The longest the alert run may take: every scenario with generous slack.</summary>
    public static TimeSpan Budget(BenchmarkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var targets = (options.IncludesSqlite ? 1 : 0) + (options.IncludesPostgres ? 1 : 0) + 1;
        var perTarget = ((1 + options.BackgroundRates.Count) * (options.WarmupSeconds + options.Seconds + 40)) + (options.FanoutRounds * 12) + 180;
        return TimeSpan.FromSeconds((targets * perTarget) + 300);
    }

    public async Task<string> RunAsync(CancellationToken ct)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var dll = Path.GetFullPath(options.ServiceDll ?? Path.Combine(AppContext.BaseDirectory, "CrsMonitor.Service.dll"));
        if (!File.Exists(dll) || !File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json")))
        {
            throw new InvalidOperationException($"{dll} (with its .runtimeconfig.json) is missing: build the solution, or pass --service-dll");
        }

        if (options.MinThreads > 0 && !ThreadPool.SetMinThreads(options.MinThreads, options.MinThreads))
        {
            throw new InvalidOperationException($"ThreadPool.SetMinThreads({options.MinThreads}) refused");
        }

        var root = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"crsmonitor-bench-alerts-{runId}")).FullName;
        cleanup.DeleteOnExit(root);
        Progress($"CrsMonitor alert benchmark: {options.AlertRate} alerts/s for {options.Seconds} s after {options.WarmupSeconds} s warm-up, idle and at "
            + $"{string.Join(", ", options.BackgroundRates)} background obs/s; {options.Dashboards} dashboards x {options.FanoutRounds} alerts; {Environment.ProcessorCount} cores; "
            + $"budget {Budget(options)}");

        foreach (var provider in new[] { "SQLite", "PostgreSQL" })
        {
            if (provider == "SQLite" ? !options.IncludesSqlite : !options.IncludesPostgres)
            {
                continue;
            }

            string[] settings;
            string connection;
            PostgresCluster? postgres = null;
            var data = Directory.CreateDirectory(Path.Combine(root, $"service-{provider.ToLowerInvariant()}")).FullName;
            if (provider == "SQLite")
            {
                settings = ["--Storage:Provider=sqlite"];
                connection = Path.Combine(data, "crsmonitor.db");
            }
            else
            {
                Progress("starting a throwaway PostgreSQL 15 cluster");
                postgres = await PostgresCluster.StartAsync(cleanup, ct).ConfigureAwait(false);
                await postgres.CreateDatabaseAsync("bench_alerts", ct).ConfigureAwait(false);
                connection = postgres.ConnectionStringFor("bench_alerts");
                settings = ["--Storage:Provider=postgres", $"--Storage:ConnectionString={connection}", "--Storage:MigrateOnStartup=true"];
            }

            Progress($"starting CrsMonitor.Service on {provider}");
            var service = await ServiceProcess.StartAsync(dll, data, settings, cleanup, ct).ConfigureAwait(false);
            try
            {
                await MeasureServiceAsync(service, provider, postgres?.PostmasterPid(), ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new InvalidOperationException($"{e.Message}\nservice log (last lines):\n{service.LogTail()}", e);
            }
            finally
            {
                await service.StopAsync().ConfigureAwait(false);
            }

            await NoteAlertRowsAsync(provider, connection, ct).ConfigureAwait(false);
            NoteLog(provider, service.LogFile);
        }

        if (options.Ceilings)
        {
            await MeasureBareAsync(ct).ConfigureAwait(false);
        }

        return AlertReport.Markdown(options, results, notes, startedAt);
    }

    private async Task MeasureServiceAsync(ServiceProcess service, string provider, int? postmaster, CancellationToken ct)
    {
        var key = provider.ToLowerInvariant();
        await service.EnsureTokenFor(TimeSpan.FromMinutes(1), ct).ConfigureAwait(false);
        var nurse = await service.MintAsync("nurse", "bench-nurse-7w", [MeasuredUnit], ct).ConfigureAwait(false);
        var fanoutNurses = await Task.WhenAll(Enumerable.Range(0, FanoutNurses)
            .Select(i => service.MintAsync("nurse", $"bench-nurse-5n-{i}", [FanoutUnit], ct))).ConfigureAwait(false);

        // Admission (the ADT feed), before anything is measured: the measured units' patients, one per alert, and the
        // background unit's patients.
        var latencyPatients = new PatientPool($"{key}-a", LatencyRates.Count * AlertsPerLatencyScenario);
        var fanoutPatients = new PatientPool($"{key}-f", options.FanoutRounds + 1);
        var background = new Payloads(runId, $"{key}-bg", options.Patients, afebrile: true);
        using (var admin = LoadGenerator.NewClient(service.BaseAddress, 4))
        {
            var token = service.Token;
            foreach (var unit in new[] { MeasuredUnit, FanoutUnit, Payloads.Unit })
            {
                await LoadGenerator.PutAsync(admin, $"/fhir/Location/{unit}", Payloads.Location(unit), token, ct).ConfigureAwait(false);
            }

            await AdmitAsync(admin, MeasuredUnit, latencyPatients.All, token, ct).ConfigureAwait(false);
            await AdmitAsync(admin, FanoutUnit, fanoutPatients.All, token, ct).ConfigureAwait(false);
            await AdmitAsync(admin, Payloads.Unit, Enumerable.Range(0, background.Patients).Select(background.PatientId).ToList(), token, ct).ConfigureAwait(false);
        }

        var hub = new Uri(service.BaseAddress, "/hubs/alerts");
        await MeasureLatencyAsync(false, provider, service.ProcessId, postmaster, service.BaseAddress, hub, [nurse], string.Empty, () => service.Token, latencyPatients, background,
            () => service.EnsureTokenFor(Warmup + Measured + TimeSpan.FromSeconds(60), ct), ct).ConfigureAwait(false);
        await MeasureFanoutAsync(false, provider, service.ProcessId, postmaster, service.BaseAddress, hub, fanoutNurses, string.Empty, () => service.Token, fanoutPatients,
            () => service.EnsureTokenFor(TimeSpan.FromSeconds(options.FanoutRounds * 12 + 60), ct), ct).ConfigureAwait(false);
    }

    /// <summary>The push ceiling: the same scenarios against <see cref="BareAlertServer"/>.</summary>
    private async Task MeasureBareAsync(CancellationToken ct)
    {
        var template = alertTemplate ?? """{"id":"x","unit":"7W","seq":1,"patientId":"x","condition":"crs","state":"raised","grade":1}""";
        if (alertTemplate is null)
        {
            notes.Add("bare ceiling: no alert document was captured from the service; it pushed a minimal one.");
        }

        Progress("starting the bare Kestrel + SignalR ceiling");
        var server = await BareAlertServer.StartAsync(template, ct).ConfigureAwait(false);
        await using (server.ConfigureAwait(false))
        {
            var latencyPatients = new PatientPool("bare-a", LatencyRates.Count * AlertsPerLatencyScenario);
            var fanoutPatients = new PatientPool("bare-f", options.FanoutRounds + 1);
            foreach (var p in latencyPatients.All)
            {
                server.Admit(p, MeasuredUnit);
            }

            foreach (var p in fanoutPatients.All)
            {
                server.Admit(p, FanoutUnit);
            }

            // The token is ignored; it has the size of a real one so requests and URLs are as large as the service's.
            var token = new string('x', 340);
            var background = new Payloads(runId, "bare-bg", options.Patients, afebrile: true);
            await MeasureLatencyAsync(true, Report.NoProvider, Environment.ProcessId, null, server.BaseAddress, server.Hub, [token], $"&unit={MeasuredUnit}", () => token, latencyPatients,
                background, () => Task.CompletedTask, ct).ConfigureAwait(false);
            await MeasureFanoutAsync(true, Report.NoProvider, Environment.ProcessId, null, server.BaseAddress, server.Hub, [token], $"&unit={FanoutUnit}", () => token, fanoutPatients,
                () => Task.CompletedTask, ct).ConfigureAwait(false);
        }
    }

    /// <summary>One nurse's dashboard; fevers at the alert rate, idle, then with background load on another unit.</summary>
    private async Task MeasureLatencyAsync(
        bool bare, string provider, int serviceProcessId, int? postmaster, Uri baseAddress, Uri hub, IReadOnlyList<string> nurseTokens, string extraQuery, Func<string> token, PatientPool patients,
        Payloads background, Func<Task> refreshToken, CancellationToken ct)
    {
        var waiters = new AlertWaiters();
        var (dashboard, _) = await DashboardSet.ConnectAsync(hub, nurseTokens, 1, 1, extraQuery, waiters, ct).ConfigureAwait(false);
        await using (dashboard.ConfigureAwait(false))
        {
            if (dashboard.Count != 1)
            {
                throw new InvalidOperationException($"the dashboard could not connect to {hub}");
            }

            // As many connections as the background's, so an alert POST never waits in this client for a free connection.
            using var client = LoadGenerator.NewClient(baseAddress, 256);
            foreach (var rate in LatencyRates)
            {
                var loaded = rate > 0;
                await refreshToken().ConfigureAwait(false);
                await QuiesceAsync(client, ct).ConfigureAwait(false);
                Settle();
                var before = MachineLoad.Sample();
                var sampling = AlertSampler.RunPacedAsync(client, token, patients.Next, runId, options.AlertRate, 1, waiters, Warmup, Measured, ct);
                var load = loaded
                    ? LoadGenerator.RunPacedAsync(baseAddress, token, background, rate, Warmup, Measured, TimeSpan.FromSeconds(10), ct)
                    : null;
                using var threads = new ThreadWatch(serviceProcessId);
                var cpu = CpuMeter.Start(serviceProcessId, postmaster);
                var (samples, warm) = await sampling.ConfigureAwait(false);
                var m = load is null ? null : await load.ConfigureAwait(false);
                var used = cpu.Stop(samples.Count(x => x.Ok) + warm + (m?.Acknowledged ?? 0));
                var others = MachineLoad.OthersPercent(before, MachineLoad.Sample());
                var result = new AlertResult(bare, provider, loaded ? AlertScenario.Loaded : AlertScenario.Idle, 1, samples, rate, m, others,
                    ConnectionsLost: dashboard.Closed, ServiceThreads: threads.Max, Cpu: used);
                results.Add(result);
                alertTemplate ??= bare ? null : waiters.FirstPayload;
                if (!bare && waiters.WireName is { } wire && wireName is null)
                {
                    wireName = wire;
                    notes.Add($"The service sent the alert as the hub event `{wire}`"
                        + (wire == "alertRaised" ? " (the contract's name)." : ": the C# method name of the typed hub, not the contract's `alertRaised`; the "
                            + "JavaScript client matches it ignoring case, the .NET client only by exact name (these dashboards register both)."));
                }
                Progress(string.Create(CultureInfo.InvariantCulture,
                    $"  {(bare ? "bare" : "CrsMonitor"),-10} {provider,-10} {result.Scenario,-7} alerts {samples.Count} received {result.Received}/{result.Expected} "
                    + $"POST p50 {result.Post.P50:0.00} p99 {result.Post.P99:0.00}  201->push p50 {result.FromAnswer.P50:0.00} p99 {result.FromAnswer.P99:0.00}  "
                    + $"start->push p50 {result.FromStart.P50:0.00} p99 {result.FromStart.P99:0.00} max {result.FromStart.Max:0.00} ms"
                    + $"{(m is null ? string.Empty : $"  background {m.ObservationsPerSecond:N0}/s p99 {m.P99:0.00} ms unanswered {m.Unanswered} errors {m.Errors}")}"
                    + $"  errors {result.Errors}  others' CPU {others:0}%"));
                if (result.Errors > 0)
                {
                    notes.Add($"{Label(bare, provider)} {result.Scenario}: {result.Errors} alert POSTs failed, first: {result.FirstError}");
                }

                if (m is { Errors: > 0 })
                {
                    notes.Add($"{Label(bare, provider)} {result.Scenario}: {m.Errors} background POSTs failed, first: {m.FirstError}");
                }
            }
        }
    }

    /// <summary>Many dashboards of one unit; one unit-wide alert at a time, each waited for on every dashboard.</summary>
    private async Task MeasureFanoutAsync(
        bool bare, string provider, int serviceProcessId, int? postmaster, Uri baseAddress, Uri hub, IReadOnlyList<string> nurseTokens, string extraQuery, Func<string> token, PatientPool patients,
        Func<Task> refreshToken, CancellationToken ct)
    {
        var waiters = new AlertWaiters();
        Settle();
        Progress($"  {Label(bare, provider)}: opening {options.Dashboards} dashboards, {ConnectParallel} at a time");
        var (dashboards, connect) = await DashboardSet.ConnectAsync(hub, nurseTokens, options.Dashboards, ConnectParallel, extraQuery, waiters, ct)
            .ConfigureAwait(false);
        await using (dashboards.ConfigureAwait(false))
        {
            Progress(string.Create(CultureInfo.InvariantCulture,
                $"  {Label(bare, provider)}: {dashboards.Count} connected in {connect.TotalSeconds:0.00} s (per connection p50 {connect.PerConnection.P50:0.0} ms, "
                + $"p99 {connect.PerConnection.P99:0.0} ms), {connect.Failed} failed{(connect.FirstError is null ? string.Empty : $": {connect.FirstError}")}"));
            if (dashboards.Count == 0)
            {
                throw new InvalidOperationException($"no dashboard could connect to {hub}: {connect.FirstError}");
            }

            await refreshToken().ConfigureAwait(false);
            using var client = LoadGenerator.NewClient(baseAddress, 4);
            await QuiesceAsync(client, ct).ConfigureAwait(false);

            // One unmeasured alert first (the first group send of this size).
            await AlertSampler.RunRoundsAsync(client, token, patients.Next, runId, 1, dashboards.Count, waiters, ct).ConfigureAwait(false);
            Settle();
            var before = MachineLoad.Sample();
            using var threads = new ThreadWatch(serviceProcessId);
            var cpu = CpuMeter.Start(serviceProcessId, postmaster);
            var samples = await AlertSampler.RunRoundsAsync(client, token, patients.Next, runId, options.FanoutRounds, dashboards.Count, waiters, ct).ConfigureAwait(false);
            var used = cpu.Stop(samples.Count(x => x.Ok));
            var others = MachineLoad.OthersPercent(before, MachineLoad.Sample());
            var result = new AlertResult(bare, provider, AlertScenario.Fanout, dashboards.Count, samples, 0, null, others, connect, dashboards.Closed, threads.Max, used);
            results.Add(result);
            Progress(string.Create(CultureInfo.InvariantCulture,
                $"  {(bare ? "bare" : "CrsMonitor"),-10} {provider,-10} fan-out {dashboards.Count} x {samples.Count}: received {result.Received}/{result.Expected}, "
                + $"201->push p50 {result.FromAnswer.P50:0.0} p99 {result.FromAnswer.P99:0.0} max {result.FromAnswer.Max:0.0} ms, within 1 s {result.WithinOneSecond}, "
                + $"rounds all within 1 s {result.RoundsAllWithinOneSecond}/{samples.Count}, lost connections {dashboards.Closed}, others' CPU {others:0}%"));
            if (result.Errors > 0)
            {
                notes.Add($"{Label(bare, provider)} fan-out: {result.Errors} alert POSTs failed, first: {result.FirstError}");
            }
        }
    }

    /// <summary>
    /// Waits (at most 30 s) until the server answers <c>/health/live</c> within 20 ms three times in a row: the work a
    /// loaded scenario left queued (requests the client gave up on) is done before the next scenario starts.
    /// </summary>
    private static async Task QuiesceAsync(HttpClient client, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        for (var quick = 0; quick < 3 && DateTimeOffset.UtcNow < deadline;)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            using (await client.GetAsync(new Uri("/health/live", UriKind.Relative), ct).ConfigureAwait(false))
            {
            }

            quick = Stats.Ms(System.Diagnostics.Stopwatch.GetTimestamp() - started) < 20 ? quick + 1 : 0;
            await Task.Delay(100, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Admits patients to a unit with transaction Bundles of 25 (PUT Patient, PUT Encounter each).</summary>
    private static async Task AdmitAsync(HttpClient client, string unit, IReadOnlyList<string> patients, string token, CancellationToken ct)
    {
        foreach (var chunk in patients.Chunk(25))
        {
            await PostBundleAsync(client, Payloads.Admission(unit, chunk), token, ct).ConfigureAwait(false);
        }
    }

    private static async Task PostBundleAsync(HttpClient client, string json, string token, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/fhir") { Content = new StringContent(json) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(Payloads.MediaType);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException(
                $"POST /fhir (admission Bundle) answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)}");
        }
    }

    /// <summary>Alert changes written per unit, and the background patients' alerts: what the pusher had to read and push.</summary>
    private async Task NoteAlertRowsAsync(string provider, string connection, CancellationToken ct)
    {
        const string PerUnit = """
            SELECT unit AS Unit, COUNT(*) AS Changes, SUM(CASE WHEN kind = 'alertRaised' THEN 1 ELSE 0 END) AS Raised
            FROM alert_change GROUP BY unit ORDER BY unit
            """;
        IEnumerable<(string Unit, long Changes, long Raised)> rows;
        if (provider == "SQLite")
        {
            await using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = connection, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ConnectionString);
            rows = await c.QueryAsync<(string, long, long)>(new CommandDefinition(PerUnit, cancellationToken: ct)).ConfigureAwait(false);
        }
        else
        {
            await using var c = new NpgsqlConnection(connection);
            rows = await c.QueryAsync<(string, long, long)>(new CommandDefinition(PerUnit, cancellationToken: ct)).ConfigureAwait(false);
        }

        notes.Add($"{provider}: alert changes written per unit (alertRaised of them): "
            + string.Join(", ", rows.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Unit} {r.Changes:N0} ({r.Raised:N0})"))) + ".");
    }

    private void NoteLog(string provider, string logFile)
    {
        var lines = File.Exists(logFile) ? File.ReadAllLines(logFile) : [];
        var bad = lines.Where(l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal)
            || l.StartsWith("warn:", StringComparison.Ordinal)).ToList();
        if (bad.Count == 0)
        {
            return;
        }

        var first = Array.IndexOf(lines, bad[0]);
        var kept = string.Empty;
        if (options.OutputFile is { } report)
        {
            var copy = Path.GetFullPath(Path.ChangeExtension(report, $".alerts-service-{provider.ToLowerInvariant()}.log"));
            File.Copy(logFile, copy, overwrite: true);
            kept = $" (log kept: {copy})";
        }

        notes.Add($"{provider}: the service logged {bad.Count} warnings or errors{kept}; first: {string.Join(" / ", lines.Skip(first).Take(2).Select(l => l.Trim()))}");
    }

    private static string Label(bool bare, string provider) => bare ? "bare ceiling" : $"CrsMonitor {provider}";

    private static void Settle()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
    }

    private static void Progress(string line) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");
}

/// <summary>Patients admitted in advance, each given out once (one alert each).</summary>
public sealed class PatientPool(string prefix, int count)
{
    private int next = -1;

    public IReadOnlyList<string> All { get; } = [.. Enumerable.Range(0, count).Select(i => $"{prefix}-{i.ToString("D5", CultureInfo.InvariantCulture)}")];

    public string Next()
    {
        var i = Interlocked.Increment(ref next);
        return i < All.Count ? All[i] : throw new InvalidOperationException($"more alerts than the {All.Count} patients admitted for them");
    }
}

/// <summary>The most threads a process had while this watched (Linux <c>/proc/PID/status</c>, every 100 ms; null elsewhere).</summary>
public sealed class ThreadWatch : IDisposable
{
    private readonly Timer timer;
    private readonly string status;
    private int max;
    private bool seen;

    public ThreadWatch(int processId)
    {
        status = $"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/status";
        timer = new Timer(_ => Sample(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(100));
    }

    public int? Max => Volatile.Read(ref seen) ? Volatile.Read(ref max) : null;

    public void Dispose()
    {
        timer.Dispose();
        Sample();
    }

    private void Sample()
    {
        try
        {
            var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("Threads:", StringComparison.Ordinal));
            if (line is not null && int.TryParse(line.AsSpan(8).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                lock (timer)
                {
                    max = Math.Max(max, n);
                    seen = true;
                }
            }
        }
        catch (IOException)
        {
            // Not Linux, or the process is gone.
        }
    }
}

/// <summary>CPU the server used during a scenario: cores busy on average, and milliseconds per acknowledged POST.</summary>
public sealed record CpuUse(double ServerCores, double DatabaseCores, double MsPerRequest);

/// <summary>
/// Linux <c>/proc</c>: CPU time of the server process and of the benchmark's PostgreSQL (its postmaster and that
/// postmaster's children) between <see cref="Start"/> and <see cref="Stop"/>; null elsewhere.
/// </summary>
public sealed class CpuMeter
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux
    private readonly int processId;
    private readonly int? postmaster;
    private readonly long wallStart;
    private readonly long? server;
    private readonly long database;

    private CpuMeter(int processId, int? postmaster)
    {
        this.processId = processId;
        this.postmaster = postmaster;
        wallStart = System.Diagnostics.Stopwatch.GetTimestamp();
        server = Jiffies(processId);
        database = PostgresJiffies();
    }

    public static CpuMeter Start(int processId, int? postmaster) => new(processId, postmaster);

    public CpuUse? Stop(long requests)
    {
        var wall = Stats.Ms(System.Diagnostics.Stopwatch.GetTimestamp() - wallStart) / 1000;
        if (server is not { } before || Jiffies(processId) is not { } after || wall <= 0)
        {
            return null;
        }

        var serverSeconds = (after - before) / TicksPerSecond;
        var databaseSeconds = (PostgresJiffies() - database) / TicksPerSecond;
        return new CpuUse(serverSeconds / wall, databaseSeconds / wall, requests > 0 ? 1000 * (serverSeconds + databaseSeconds) / requests : double.NaN);
    }

    private static long? Jiffies(int pid) =>
        Fields(pid) is { Length: > 12 } f ? long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture) : null;

    /// <summary>The postmaster's and its children's CPU (children that ended are in the postmaster's cumulative fields).</summary>
    private long PostgresJiffies()
    {
        if (postmaster is not { } parent)
        {
            return 0;
        }

        long sum = Jiffies(parent) + ChildrenJiffies(parent) ?? 0;
        try
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && ParentOf(pid) == parent
                    && Jiffies(pid) is { } j)
                {
                    sum += j;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // /proc is not there.
        }

        return sum;
    }

    private static string[]? Fields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static int? ParentOf(int pid) =>
        Fields(pid) is { Length: > 1 } f && int.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent) ? parent : null;

    /// <summary>cutime + cstime: CPU of the children that ended and were waited for (backends of closed connections).</summary>
    private static long? ChildrenJiffies(int pid) =>
        Fields(pid) is { Length: > 14 } f ? long.Parse(f[13], CultureInfo.InvariantCulture) + long.Parse(f[14], CultureInfo.InvariantCulture) : null;
}
