using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;

namespace CrsMonitor.Benchmarks;

/// <summary>The Markdown report of the long-course benchmark: machine, method, one row per patient, the issue's target, notes.</summary>
public static class LongCourseReport
{
    /// <summary>Issue 12: POST p50 with 80,000 readings of history at most this many times a patient with none.</summary>
    public const double RatioTarget = 1.5;

    /// <summary>The history size the issue's target names.</summary>
    public const int TargetHistory = 80_000;

    public static string Markdown(BenchmarkOptions options, IReadOnlyList<LongCourseResult> results, IReadOnlyList<string> notes, DateTimeOffset startedAt)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(notes);
        var md = new StringBuilder();
        md.AppendLine("### Long-course benchmark").AppendLine();
        md.AppendLine(Inv($"Machine: {Environment.ProcessorCount} cores ({Report.CpuModel()}), {RuntimeInformation.OSDescription}, ")
            + Inv($"{RuntimeInformation.FrameworkDescription} ({(GCSettings.IsServerGC ? "server" : "workstation")} GC), {Report.Memory()}. ")
            + Inv($"Run {startedAt:yyyy-MM-dd HH:mm} UTC: one patient per history size ({string.Join(", ", options.History.Select(h => h.ToString("N0", CultureInfo.InvariantCulture)))} readings), ")
            + Inv($"{options.Posts} measured single POSTs per patient after {options.PostWarmup} unmeasured, round-robin."));
        md.AppendLine();
        md.AppendLine("A wearable's course: heart rate, SpO2 and respiratory rate every minute, temperature every 2 minutes (80,000 readings "
            + "are about 16 days), normal values with a day-night rhythm and noise, and in a course of 36 h or more one fever early on "
            + "(38.2–38.8 °C for 4 h from hour 3: a CRS episode that opened and closed long before the measured writes). Each history "
            + Inv($"is loaded through the FHIR API as the wearable's gateway sends it: transaction Bundles of {HistoryLoader.BundleSize} Observations in time order, ")
            + "one Bundle after the other per patient, the patients in parallel; it ends just before the run's \"now\". Then one client "
            + "(HttpClient, one connection over loopback to the service as a child process, integration token) POSTs single Observations, "
            + "each the patient's next reading taken now (effective time the real clock), round-robin over the patients with the first "
            + "patient of each round rotating, so machine noise falls on each alike. Latency is from just before sending to the whole "
            + "answer read. \"vs no history\" divides by the p50 of the smallest history of the same run and database.");
        md.AppendLine();
        md.AppendLine("| DB | History readings | history loaded in s | history obs/s | Bundle p50 / last ms | POSTs | p50 ms | p95 ms | p99 ms | max ms | p50 vs no history | errors | others' CPU |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var l = r.Posts.Latency;
            md.AppendLine(Inv($"| {r.Provider} | {r.History:N0}{(r.HistoryHasFever ? " (one fever)" : string.Empty)} | {(r.History == 0 ? "-" : Inv($"{r.Load.Seconds:N1}"))} | ")
                + Inv($"{(r.History == 0 ? "-" : Inv($"{r.Load.ReadingsPerSecond:N0}"))} | {(r.History == 0 ? "-" : $"{Ms(r.Load.BundleMs.P50)} / {Ms(r.Load.LastBundleMs)}")} | ")
                + Inv($"{l.Count:N0} | {Ms(l.P50)} | {Ms(l.P95)} | {Ms(l.P99)} | {Ms(l.Max)} | {RatioText(Ratio(results, r))} | {r.Posts.Errors} | {Percent(r.OthersCpuPercent)} |"));
        }

        md.AppendLine();
        md.AppendLine("| Target (issue 12) | Goal | DB | Measured | Met |");
        md.AppendLine("|---|---|---|---|---|");
        foreach (var provider in results.Select(r => r.Provider).Distinct())
        {
            var largest = results.Where(r => r.Provider == provider).MaxBy(r => r.History)!;
            var baseline = Baseline(results, provider);
            var ratio = Ratio(results, largest);
            var met = largest.History >= TargetHistory && baseline.History == 0 && ratio <= RatioTarget
                && results.Where(r => r.Provider == provider).All(r => r.Posts.Errors == 0);
            md.AppendLine(Inv($"| POST p50 with {TargetHistory:N0} readings of history vs none | ≤ {RatioTarget:0.0}× | {provider} | ")
                + Inv($"{RatioText(ratio)} ({largest.History:N0}: {Ms(largest.Posts.Latency.P50)} ms; {baseline.History:N0}: {Ms(baseline.Posts.Latency.P50)} ms) | ")
                + $"{(largest.History < TargetHistory || baseline.History != 0 ? "not measured (other history sizes)" : met ? "yes" : "**no**")} |");
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

    private static LongCourseResult Baseline(IReadOnlyList<LongCourseResult> results, string provider) =>
        results.Where(r => r.Provider == provider).MinBy(r => r.History)!;

    private static double Ratio(IReadOnlyList<LongCourseResult> results, LongCourseResult row)
    {
        var baseline = Baseline(results, row.Provider).Posts.Latency.P50;
        var p50 = row.Posts.Latency.P50;
        return double.IsFinite(p50) && double.IsFinite(baseline) && baseline > 0 ? p50 / baseline : double.NaN;
    }

    private static string RatioText(double ratio) => double.IsNaN(ratio) ? "-" : ratio >= 100 ? Inv($"{ratio:N0}×") : Inv($"{ratio:0.00}×");

    private static string Ms(double value) => double.IsNaN(value) ? "-" : Math.Abs(value) >= 100 ? Inv($"{value:N0}") : Inv($"{value:0.00}");

    private static string Percent(double? value) => value is { } v ? Inv($"{v:0} %") : "?";

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
