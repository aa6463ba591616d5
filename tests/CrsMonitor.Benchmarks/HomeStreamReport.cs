using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;

namespace CrsMonitor.Benchmarks;

/// <summary>The Markdown report of the home scenario: machine, method, one row per phase, the headroom per database, notes.</summary>
public static class HomeStreamReport
{
    public static string Markdown(BenchmarkOptions options, IReadOnlyList<HomePhase> phases, IReadOnlyList<string> notes, DateTimeOffset startedAt)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(phases);
        ArgumentNullException.ThrowIfNull(notes);
        var md = new StringBuilder();
        md.AppendLine("### Home-monitoring benchmark").AppendLine();
        md.AppendLine(Inv($"Machine: {Environment.ProcessorCount} cores ({Report.CpuModel()}), {RuntimeInformation.OSDescription}, ")
            + Inv($"{RuntimeInformation.FrameworkDescription} ({(GCSettings.IsServerGC ? "server" : "workstation")} GC), {Report.Memory()}. ")
            + Inv($"Run {startedAt:yyyy-MM-dd HH:mm} UTC: {options.HomePatients} patients at home after a C1D1 dose (windows open), ")
            + Inv($"each streaming {HomeSignal.PerPatientPerMinute:0.##} readings a minute (temperature every 2 min; heart rate, SpO2, respiratory rate every minute; ")
            + Inv($"blood pressure every 6 h), one POST per reading naming its device, open loop, {options.HomeSeconds} s per speed-up."));
        md.AppendLine();
        md.AppendLine("A speed-up of k sends every stream k times as often (the load of k × N patients). Latency counts from the reading's "
            + "planned instant to the whole answer read (no coordinated omission); \"kept up\" is every reading answered 2xx with p99 under 1 s. "
            + "Service CPU is the service process's share of the whole machine (all cores) during the phase.");
        md.AppendLine();
        md.AppendLine("| DB | speed-up | patients' load | offered readings/s | answered | p50 ms | p95 ms | p99 ms | max ms | errors | unanswered | service CPU | others' CPU | kept up |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var p in phases)
        {
            md.AppendLine(Inv($"| {p.Provider} | ×{p.Speedup:0.##} | {options.HomePatients * p.Speedup:N0} | {p.OfferedPerSecond:N1} | {p.Acknowledged:N0} of {p.Sent:N0} | ")
                + Inv($"{Ms(p.P50)} | {Ms(p.P95)} | {Ms(p.P99)} | {Ms(p.Max)} | {p.Errors} | {p.Unanswered} | {Percent(p.ServiceCpuPercent)} | {Percent(p.OthersCpuPercent)} | {(p.KeptUp ? "yes" : "**no**")} |"));
        }

        md.AppendLine();
        foreach (var provider in phases.Select(p => p.Provider).Distinct())
        {
            var kept = phases.Where(p => p.Provider == provider && p.KeptUp).MaxBy(p => p.Speedup);
            md.AppendLine(kept is null
                ? Inv($"- {provider}: did not keep up with {options.HomePatients} home patients at the real rates.")
                : Inv($"- {provider}: kept up with {options.HomePatients * kept.Speedup:N0} home patients' streams (×{kept.Speedup:0.##} the {options.HomePatients} asked), ")
                    + Inv($"p99 {Ms(kept.P99)} ms, the service using {Percent(kept.ServiceCpuPercent)} of the machine."));
        }

        foreach (var error in phases.Where(p => p.FirstError is not null))
        {
            md.AppendLine(Inv($"- {error.Provider} ×{error.Speedup:0.##}: first error: {error.FirstError}"));
        }

        foreach (var note in notes)
        {
            md.AppendLine($"- {note}");
        }

        return md.ToString();
    }

    private static string Ms(double value) => double.IsNaN(value) ? "-" : Inv($"{value:N1}");

    private static string Percent(double? value) => value is { } v ? Inv($"{v:0.0} %") : "n/a";

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
