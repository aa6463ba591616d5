using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;

namespace CrsMonitor.Benchmarks;

/// <summary>The Markdown report of the MLLP scenario: machine, method, one row per side with the MLLP/FHIR ratios, notes.</summary>
public static class MllpReport
{
    public static string Markdown(BenchmarkOptions options, IReadOnlyList<SideBySideResult> results, IReadOnlyList<string> notes, DateTimeOffset startedAt)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(notes);
        var measured = results.Where(r => !r.Priming).ToList();
        var md = new StringBuilder();
        md.AppendLine("### MLLP scenario (issue 15)").AppendLine();
        md.AppendLine(Inv($"Machine: {Environment.ProcessorCount} cores ({Report.CpuModel()}), {RuntimeInformation.OSDescription}, ")
            + Inv($"{RuntimeInformation.FrameworkDescription} ({(GCSettings.IsServerGC ? "server" : "workstation")} GC), {Report.Memory()}. ")
            + Inv($"Run {startedAt:yyyy-MM-dd HH:mm} UTC: {options.Seconds} s measured per side after {options.WarmupSeconds} s warm-up, ")
            + Inv($"{options.Patients} patients per side, {string.Join(" and ", options.MllpClients)} client(s)."));
        md.AppendLine();
        md.AppendLine("The same vital signs (temperature, heart rate, SpO2, systolic pressure, each a plain quantity) sent to one CrsMonitor "
            + "process both ways, side by side: FHIR over HTTP (the ingest scenario's HttpClient, one connection per client, integration "
            + "token) and HL7 v2 ORU^R01 over MLLP (the benchmark's own MLLP client: one TCP connection per client, 0x0B message 0x1C 0x0D, "
            + "the next message sent once the ACK of the last was read, as an interface engine sends). Single readings: an Observation POST "
            + "vs an ORU with one OBX; a monitor's round: a transaction Bundle of the four vs an ORU with four OBX. Each side has its own "
            + "patients, admitted first (FHIR: PUT Patient and Encounter; MLLP: ADT^A01), readings effective now, round-robin over them. "
            + "Before the pairs, each of the four sides runs once unmeasured for the warm-up time (JIT, caches; its readings are checked "
            + "as stored too). The FHIR side of a pair runs first, then the MLLP side, same clients, warm-up and measured time. Latency: from just before "
            + "sending to the whole answer (the 2xx response, the ACK frame) read, measured messages only; an ACK is sent once the message's "
            + "effects are committed. A failure is an HTTP error, or an ACK other than AA (AE, AR) or none. \"MLLP/FHIR\" divides the MLLP "
            + "row by the FHIR row above it (throughput: above 1 is faster; latency: above 1 is slower).");
        md.AppendLine();
        md.AppendLine("| DB | Readings per message | Clients | Path | Workload | messages/s | readings/s | p50 ms | p99 ms | max ms | failures | MLLP/FHIR msg/s | MLLP/FHIR p50 | MLLP/FHIR p99 | others' CPU |");
        md.AppendLine("|---|---:|---:|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|");
        foreach (var r in measured)
        {
            var m = r.Measurement;
            var fhir = r.Path == V2Path.Mllp
                ? measured.FirstOrDefault(f => f.Path == V2Path.Fhir && f.Provider == r.Provider && f.Readings == r.Readings && f.Clients == r.Clients)?.Measurement
                : null;
            var failures = r.Mllp is { } o ? (o.Refusals.Count == 0 ? "0" : o.RefusalText) : m.Errors.ToString(CultureInfo.InvariantCulture);
            md.AppendLine(Inv($"| {r.Provider} | {r.Readings} | {r.Clients} | {(r.Path == V2Path.Mllp ? "**MLLP**" : "FHIR")} | {r.Label} | ")
                + Inv($"{m.RequestsPerSecond:N0} | {m.ObservationsPerSecond:N0} | {Ms(m.P50)} | {Ms(m.P99)} | {Ms(m.Max)} | {failures} | ")
                + Inv($"{Ratio(m.RequestsPerSecond, fhir?.RequestsPerSecond)} | {Ratio(m.P50, fhir?.P50)} | {Ratio(m.P99, fhir?.P99)} | {Percent(r.OthersCpuPercent)} |"));
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

    private static string Ratio(double value, double? baseline) =>
        baseline is { } b && b > 0 && double.IsFinite(value) && double.IsFinite(b) ? Inv($"{value / b:0.00}×") : string.Empty;

    private static string Ms(double value) => double.IsNaN(value) ? "-" : Math.Abs(value) >= 100 ? Inv($"{value:N0}") : Inv($"{value:0.00}");

    private static string Percent(double? value) => value is { } v ? Inv($"{v:0} %") : "?";

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
