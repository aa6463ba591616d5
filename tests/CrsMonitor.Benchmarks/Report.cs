using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;

namespace CrsMonitor.Benchmarks;

/// <summary>Where a scenario's requests went.</summary>
public enum Target
{
    HttpCeiling,
    ParseCeiling,
    StoreCeiling,
    Service,
}

/// <summary>One measured scenario.</summary>
public sealed record ScenarioResult(Target Target, string Provider, Workload Workload, Measurement Measurement, double? OthersCpuPercent);

/// <summary>The Markdown report: machine, method, one table of every scenario with ratios to the ceilings, the targets.</summary>
public static class Report
{
    public const string NoProvider = "-";

    public static string Markdown(
        BenchmarkOptions options, IReadOnlyList<ScenarioResult> results, Measurement? paced, double? pacedOthersCpu, IReadOnlyList<string> notes,
        DateTimeOffset startedAt)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(notes);
        var md = new StringBuilder();
        md.AppendLine("### Ingest benchmark").AppendLine();
        md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} cores ({CpuModel()}), {RuntimeInformation.OSDescription}, "
            + $"{RuntimeInformation.FrameworkDescription} ({(GCSettings.IsServerGC ? "server" : "workstation")} GC), {Memory()}. "
            + $"Run {startedAt:yyyy-MM-dd HH:mm} UTC: {options.Seconds} s measured per scenario after {options.WarmupSeconds} s warm-up, "
            + $"Observations spread over {options.Patients} patients."));
        md.AppendLine();
        md.AppendLine("Load: HttpClient (SocketsHttpHandler, HTTP/1.1, one connection per client) over loopback to Kestrel, in the same "
            + "2-core machine as the server (the client's CPU is part of every number). CrsMonitor runs as its own process "
            + "(`dotnet CrsMonitor.Service.dll`, integration token, whole write path: parse, rules, verbatim copy, readings, re-grading, "
            + "audit, commit); the ceilings are bare Kestrel apps in the benchmark process answering 201 after: reading the body (HTTP), "
            + "also parsing it with Firely's `FhirJsonDeserializer` (parse), also inserting one row per Observation with Dapper in one "
            + "transaction (parse + store). Latency is from send to the whole answer read, measured requests only. \"others' CPU\" is the "
            + "share of the machine used by processes other than the benchmark, the service and PostgreSQL during the scenario: "
            + "above a few percent, that row is a lower bound.");
        md.AppendLine();
        md.AppendLine("| Target | DB | Workload | Clients | obs/s | req/s | p50 ms | p99 ms | errors | vs HTTP | vs parse | vs parse+store | others' CPU |");
        md.AppendLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var m = r.Measurement;
            var http = Ceiling(results, Target.HttpCeiling, NoProvider, r.Workload);
            var parse = Ceiling(results, Target.ParseCeiling, NoProvider, r.Workload);
            var store = Ceiling(results, Target.StoreCeiling, r.Provider, r.Workload);
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {Name(r.Target)} | {r.Provider} | {r.Workload.Label} | {r.Workload.Clients} | {m.ObservationsPerSecond:N0} | {m.RequestsPerSecond:N0} | "
                + $"{m.P50:0.00} | {m.P99:0.00} | {m.Errors} | {Ratio(r, http, Target.HttpCeiling)} | {Ratio(r, parse, Target.ParseCeiling)} | "
                + $"{Ratio(r, store, Target.StoreCeiling)} | {Percent(r.OthersCpuPercent)} |"));
        }

        md.AppendLine();
        if (paced is not null)
        {
            md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Paced (open loop, SQLite): {options.PacedRate:N0} single-Observation POSTs/s sent for {options.Seconds} s "
                + $"(after {options.WarmupSeconds} s at the same rate), latency from the planned send time: p50 {Ms(paced.P50)}, p99 {Ms(paced.P99)}, "
                + $"max {Ms(paced.Max)}; answered at {paced.ObservationsPerSecond:N0}/s; at most {paced.MaxInFlight:N0} requests in flight; "
                + $"{paced.Unanswered:N0} not answered {PacedDrainText} after the last send (server overloaded); {paced.Errors} errors; "
                + $"others' CPU {Percent(pacedOthersCpu)}."));
            md.AppendLine();
        }

        md.AppendLine("| Target (issue 3, SQLite, whole write path) | Goal | Measured | Met |");
        md.AppendLine("|---|---|---|---|");
        var single = Best(results, Target.Service, "SQLite", 1);
        var bundle = Best(results, Target.Service, "SQLite", Workload.BundleSize);
        md.AppendLine(TargetRow("single-Observation POSTs/s", "≥ 5,000", single, 5000));
        md.AppendLine(TargetRow("observations/s in Bundles of 100", "≥ 15,000", bundle, 15000));
        md.AppendLine(paced is null
            ? "| p99 at 1,000 obs/s | < 20 ms | not measured | - |"
            : string.Create(CultureInfo.InvariantCulture, $"| p99 at {options.PacedRate:N0} obs/s | < 20 ms | {Ms(paced.P99)} | {(paced.P99 < 20 && paced.Errors == 0 ? "yes" : "**no**")} |"));
        if (notes.Count > 0)
        {
            md.AppendLine();
            foreach (var note in notes)
            {
                md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"- {note}"));
            }
        }

        return md.ToString();
    }

    /// <summary>How long the paced scenario waits for late answers (BenchmarkRun.PacedDrain).</summary>
    public const string PacedDrainText = "within 10 s";

    private static string Percent(double? value) => value is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v:0} %") : "?";

    private static string Ms(double value) => double.IsPositiveInfinity(value)
        ? "unanswered"
        : string.Create(CultureInfo.InvariantCulture, $"{value:0.00} ms");

    private static string TargetRow(string what, string goal, ScenarioResult? best, double minimum) => best is null
        ? $"| {what} | {goal} | not measured | - |"
        : string.Create(CultureInfo.InvariantCulture, $"| {what} | {goal} | {best.Measurement.ObservationsPerSecond:N0} ({best.Workload.Clients} client{(best.Workload.Clients == 1 ? string.Empty : "s")}) | "
            + $"{(best.Measurement.ObservationsPerSecond >= minimum && best.Measurement.Errors == 0 ? "yes" : "**no**")} |");

    private static ScenarioResult? Best(IReadOnlyList<ScenarioResult> results, Target target, string provider, int perRequest) => results
        .Where(r => r.Target == target && r.Provider == provider && r.Workload.ObservationsPerRequest == perRequest)
        .MaxBy(r => r.Measurement.ObservationsPerSecond);

    private static ScenarioResult? Ceiling(IReadOnlyList<ScenarioResult> results, Target target, string provider, Workload workload) =>
        results.FirstOrDefault(r => r.Target == target && r.Workload.Key == workload.Key && (target != Target.StoreCeiling || r.Provider == provider));

    private static string Ratio(ScenarioResult row, ScenarioResult? ceiling, Target ceilingTarget) =>
        row.Target <= ceilingTarget || ceiling is null || ceiling.Measurement.ObservationsPerSecond <= 0
            ? string.Empty
            : string.Create(CultureInfo.InvariantCulture, $"{100 * row.Measurement.ObservationsPerSecond / ceiling.Measurement.ObservationsPerSecond:0} %");

    private static string Name(Target target) => target switch
    {
        Target.HttpCeiling => "HTTP ceiling",
        Target.ParseCeiling => "parse ceiling",
        Target.StoreCeiling => "parse + store ceiling",
        _ => "**CrsMonitor**",
    };

    internal static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line?.Split(':', 2)[1].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString();
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }

    internal static string Memory() => string.Create(CultureInfo.InvariantCulture, $"{GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024):0} GiB");

}
