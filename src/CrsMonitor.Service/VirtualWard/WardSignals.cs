using System.Globalization;
using CrsMonitor.Service.Devices;
using CrsMonitor.Service.Readings;

namespace CrsMonitor.Service.VirtualWard;

/// <summary>The virtual ward's signal columns (pure): every signal's last reading joined with its enrolled stream's state.</summary>
public static class WardSignals
{
    public const string NotEnrolled = "not-enrolled";

    public static IReadOnlyList<SignalView> Of(IReadOnlyList<LastReadingRow> last, IReadOnlyList<StreamView> streams)
    {
        ArgumentNullException.ThrowIfNull(last);
        ArgumentNullException.ThrowIfNull(streams);
        return [.. Signals.All.Select(signal =>
        {
            var latest = Latest(signal, last);
            // Of two devices streaming one signal, the one in a gap shows: "no data" must never hide behind the other.
            var stream = streams.Where(s => s.Signal == signal).OrderBy(s => Rank(s.State)).FirstOrDefault();
            return new SignalView(signal, Signals.Words(signal), latest?.At, latest is null ? null : Value(signal, latest, last), latest?.Device,
                stream?.State ?? NotEnrolled, stream?.SilentSince);
        })];
    }

    private static LastReadingRow? Latest(string signal, IReadOnlyList<LastReadingRow> last) =>
        last.Where(r => r.Kind != ReadingKind.DiastolicBp && Signals.Of(r.Kind) == signal)
            .MaxBy(r => r.At);

    /// <summary>The value as sent; blood pressure as systolic/diastolic when the diastolic of the same instant is there.</summary>
    private static string? Value(string signal, LastReadingRow latest, IReadOnlyList<LastReadingRow> last)
    {
        var sent = latest.OriginalValue ?? latest.Value?.ToString(CultureInfo.InvariantCulture);
        if (signal != Signals.BloodPressure || latest.Value is not { } systolic)
        {
            return sent;
        }

        var diastolic = last.FirstOrDefault(r => r.Kind == ReadingKind.DiastolicBp && r.At == latest.At)?.Value;
        return diastolic is { } d
            ? string.Create(CultureInfo.InvariantCulture, $"{systolic:0.##}/{d:0.##} mm[Hg]")
            : sent;
    }

    private static int Rank(string state) => state switch
    {
        StreamStateNames.NoData => 0,
        StreamStateNames.Silent => 1,
        _ => 2,
    };
}
