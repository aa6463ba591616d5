using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;

namespace CrsMonitor.Benchmarks;

/// <summary>The Markdown report of the alert benchmark: machine, method, one table of every scenario, the targets, connects.</summary>
public static class AlertReport
{
    /// <summary>Issue 5: p99 of the alert latency at 500 observations/s.</summary>
    public const double LatencyTargetMs = 25;

    /// <summary>Issue 5: every one of 1,000 dashboards has the alert within 1 s.</summary>
    public const double FanoutTargetMs = 1000;

    public static string Markdown(BenchmarkOptions options, IReadOnlyList<AlertResult> results, IReadOnlyList<string> notes, DateTimeOffset startedAt)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(notes);
        ThreadPool.GetMinThreads(out var workers, out var io);
        var md = new StringBuilder();
        md.AppendLine("### Alert benchmark").AppendLine();
        md.AppendLine(Inv($"Machine: {Environment.ProcessorCount} cores ({Report.CpuModel()}), {RuntimeInformation.OSDescription}, ")
            + Inv($"{RuntimeInformation.FrameworkDescription} ({(GCSettings.IsServerGC ? "server" : "workstation")} GC), {Report.Memory()}, open files limit {OpenFilesLimit()}. ")
            + Inv($"Run {startedAt:yyyy-MM-dd HH:mm} UTC: latency scenarios {options.AlertRate} alerts/s for {options.Seconds} s after {options.WarmupSeconds} s warm-up ")
            + Inv($"(idle, then with {string.Join(" and ", options.BackgroundRates.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))} background obs/s over {options.Patients} patients of another unit); fan-out ")
            + Inv($"{options.Dashboards:N0} dashboards x {options.FanoutRounds} alerts after one unmeasured. Benchmark process thread pool minimum ")
            + Inv($"{workers} worker / {io} I/O threads ({(options.MinThreads > 0 ? $"set with --min-threads {options.MinThreads}" : "runtime default")})."));
        md.AppendLine();
        md.AppendLine("An alert is a fever (38.5 °C) POSTed with an integration token for a patient who has no reading yet (each alert its own "
            + "patient, admitted in advance), which raises a new CRS grade 1 alert; it is measured until `alertRaised` for that patient arrives "
            + "at the dashboards: Microsoft.AspNetCore.SignalR.Client over WebSockets (negotiate first, the nurse token as `access_token` in the "
            + "query string, then `Resume`, as the bundled dashboard connects), nurses of the alert's unit, in this process. Alerts are sent in "
            + "an open loop (at fixed times, whatever the answers); the background is single-Observation POSTs at a fixed rate (open loop, "
            + "normal vital signs, another unit whose group no dashboard joined). \"201 → alertRaised\" is from the POST's answer read to the "
            + "event's handler: negative when the push arrived first (the service rings its bell after COMMIT, before it writes the answer); "
            + "\"start → alertRaised\" is from just before the POST was sent. Fan-out: one alert at a time to every dashboard of the unit; "
            + "percentiles are over every dashboard's receive time of every alert; a missing one counts as infinitely late ("
            + Inv($"{AlertSampler.ReceiveTimeout.TotalSeconds:0} s timeout). The bare ceiling is a Kestrel app with a SignalR hub in this process ")
            + "(no authentication, database or grading): POST reads the body, writes a signal to a channel and answers 201; one reader sends a "
            + "copy of a real alert document to the unit's group. \"push vs bare\" divides 201 → alertRaised p50 and p99 by the bare ceiling's in "
            + "the same scenario, \"end to end vs bare\" start → alertRaised.");
        md.AppendLine();
        md.AppendLine("| Target | DB | Scenario | Alerts | Received | Background obs/s asked → answered | POST p50 / p99 ms | 201 → alertRaised p50 | p95 | p99 | max "
            + "| start → alertRaised p50 | p95 | p99 | max | within 1 s of 201 | push vs bare p50 / p99 | end to end vs bare p50 / p99 | others' CPU |");
        md.AppendLine("|---|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results.OrderBy(r => !r.Bare))
        {
            var bare = results.FirstOrDefault(b => b.Bare && b.Scenario == r.Scenario && b.BackgroundRate == r.BackgroundRate);
            var a = r.FromAnswer;
            var s = r.FromStart;
            md.AppendLine(Inv($"| {(r.Bare ? "bare SignalR ceiling" : "**CrsMonitor**")} | {r.Provider} | {ScenarioText(r)} | {r.Ok.Count():N0} | ")
                + Inv($"{r.Received:N0}/{r.Expected:N0} | {BackgroundText(r)} | {Ms(r.Post.P50)} / {Ms(r.Post.P99)} | ")
                + Inv($"{Ms(a.P50)} | {Ms(a.P95)} | {Ms(a.P99)} | {Ms(a.Max)} | {Ms(s.P50)} | {Ms(s.P95)} | {Ms(s.P99)} | {Ms(s.Max)} | ")
                + Inv($"{WithinText(r)} | {(r.Bare || bare is null ? string.Empty : $"{Ratio(a.P50, bare.FromAnswer.P50)} / {Ratio(a.P99, bare.FromAnswer.P99)}")} | ")
                + Inv($"{(r.Bare || bare is null ? string.Empty : $"{Ratio(s.P50, bare.FromStart.P50)} / {Ratio(s.P99, bare.FromStart.P99)}")} | ")
                + Inv($"{Percent(r.OthersCpuPercent)} |"));
        }

        md.AppendLine();
        md.AppendLine("| Target (issue 5) | Goal | DB | Measured | Met |");
        md.AppendLine("|---|---|---|---|---|");
        foreach (var r in results.Where(r => !r.Bare && r.Scenario == AlertScenario.Loaded && r.BackgroundRate >= 500))
        {
            var background = r.Background?.ObservationsPerSecond ?? 0;
            var kept = background >= 0.95 * r.BackgroundRate;
            var met = r.FromStart.P99 < LatencyTargetMs && r.Errors == 0 && r.Received == r.Expected && kept;
            md.AppendLine(Inv($"| alert latency at {r.BackgroundRate:N0} obs/s: p99 from POST start to alertRaised | < {LatencyTargetMs:0} ms | {r.Provider} | ")
                + Inv($"{Ms(r.FromStart.P99)} (201 → alertRaised p99 {Ms(r.FromAnswer.P99)}; background answered {background:N0}/s) | ")
                + $"{(met ? "yes" : kept ? "**no**" : "**no** (the background rate was not sustained)")} |");
        }

        foreach (var r in results.Where(r => !r.Bare && r.Scenario == AlertScenario.Fanout))
        {
            var met = r.Errors == 0 && r.Ok.Any() && r.RoundsAllWithinOneSecond == r.Ok.Count() && r.Dashboards == options.Dashboards;
            md.AppendLine(Inv($"| {options.Dashboards:N0} dashboards on one node: every one has the alert within 1 s of the 201 | every alert | {r.Provider} | ")
                + Inv($"{r.RoundsAllWithinOneSecond}/{r.Ok.Count()} alerts; slowest dashboard {Ms(r.FromAnswer.Max)}; {r.Dashboards:N0} connected | ")
                + $"{(met ? "yes" : "**no**")} |");
        }

        md.AppendLine();
        md.AppendLine("Where the time goes, p50 / p99 ms. `raisedAt` is the alert's own time stamp: the service's clock read inside the write "
            + "transaction, after BEGIN (on SQLite: after the write lock was taken), before re-grading (the same machine's wall clock, "
            + "placed on the benchmark's clock at each POST's start); the bare ceiling stamps it when the POST rings. Threads and CPU are "
            + "the server process's (for the bare ceiling: this whole benchmark process, its dashboards and load included) and PostgreSQL's, "
            + "over the scenario (warm-up and the background's drain included), per POST acknowledged in that time.");
        md.AppendLine();
        md.AppendLine("| Target | DB | Scenario | POST start → raisedAt (HTTP, parse, rules, wait for the write lock) | raisedAt → 201 read (unit of work, COMMIT, answer) "
            + "| raisedAt → alertRaised, first dashboard (unit of work, COMMIT, bell, pusher's read, send) | 201 → alertRaised (all dashboards) "
            + "| server process threads, max | CPU cores busy: server + PostgreSQL | CPU ms per POST answered |");
        md.AppendLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results.OrderBy(r => !r.Bare))
        {
            md.AppendLine(Inv($"| {(r.Bare ? "bare SignalR ceiling" : "**CrsMonitor**")} | {r.Provider} | {ScenarioText(r)} | {Pair(r.StartToRaised)} | {Pair(r.RaisedToAnswer)} | ")
                + Inv($"{Pair(r.RaisedToReceived)} | {Pair(r.FromAnswer)} | {(r.ServiceThreads is { } t ? t.ToString(CultureInfo.InvariantCulture) : "?")} | ")
                + (r.Cpu is { } c ? Inv($"{c.ServerCores:0.00} + {c.DatabaseCores:0.00} | {c.MsPerRequest:0.00} |") : "? | ? |"));
        }

        md.AppendLine();
        md.AppendLine(Inv($"| Connecting the dashboards | DB | Connected | Failed | Total s ({AlertBenchmarkRun.ConnectParallel} at a time) | per connection p50 / p99 / max ms | closed during the run |"));
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var r in results.OrderBy(r => !r.Bare).Where(r => r.Connect is not null))
        {
            var c = r.Connect!;
            md.AppendLine(Inv($"| {(r.Bare ? "bare SignalR ceiling" : "**CrsMonitor**")} | {r.Provider} | {r.Dashboards:N0} | {c.Failed} | {c.TotalSeconds:0.00} | ")
                + Inv($"{Ms(c.PerConnection.P50)} / {Ms(c.PerConnection.P99)} / {Ms(c.PerConnection.Max)} | {r.ConnectionsLost} |"));
        }

        if (notes.Count > 0)
        {
            md.AppendLine();
            foreach (var note in notes)
            {
                md.AppendLine($"- {note}");
            }
        }

        return md.ToString();
    }

    private static string ScenarioText(AlertResult r) => r.Scenario switch
    {
        AlertScenario.Idle => "idle, 1 dashboard",
        AlertScenario.Loaded => Inv($"{r.BackgroundRate:N0} obs/s background, 1 dashboard"),
        _ => Inv($"fan-out, {r.Dashboards:N0} dashboards"),
    };

    private static string BackgroundText(AlertResult r) => r.Background is not { } m
        ? "-"
        : Inv($"{r.BackgroundRate:N0} → {m.ObservationsPerSecond:N0} (p99 {Ms(m.P99)}{(m.Unanswered > 0 ? $", {m.Unanswered:N0} unanswered" : string.Empty)}{(m.Errors > 0 ? $", {m.Errors:N0} errors" : string.Empty)})");

    private static string WithinText(AlertResult r) => r.Scenario == AlertScenario.Fanout
        ? Inv($"{r.WithinOneSecond:N0} ({r.RoundsAllWithinOneSecond}/{r.Ok.Count()} alerts all)")
        : Inv($"{r.WithinOneSecond:N0}");

    private static string Ms(double value) => double.IsNaN(value) ? "-"
        : double.IsPositiveInfinity(value) ? "lost"
        : Math.Abs(value) >= 100 ? Inv($"{value:N0}")
        : Inv($"{value:0.00}");

    private static string Ratio(double ours, double bare) =>
        double.IsFinite(ours) && double.IsFinite(bare) && bare > 0 ? ours / bare >= 100 ? Inv($"{ours / bare:N0}×") : Inv($"{ours / bare:0.0}×") : "-";

    private static string Pair(LatencyStats stats) => $"{Ms(stats.P50)} / {Ms(stats.P99)}";

    private static string Percent(double? value) => value is { } v ? Inv($"{v:0} %") : "?";

    private static string OpenFilesLimit()
    {
        try
        {
            var line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
            return line?.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [.., var soft, _, _] ? soft : "?";
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
