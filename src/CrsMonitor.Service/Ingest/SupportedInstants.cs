using System.Globalization;

namespace CrsMonitor.Service.Ingest;

/// <summary>
/// The instants the service accepts, in one place: from 1900-01-01 (inclusive) to 2200-01-01 (exclusive), UTC. Every
/// time a FHIR resource or a clinician's request gives (effective, issued, authored, period start and end, birthDate,
/// a window's opening, an outside dose) must fall inside it: nothing clinical happens outside it, and arithmetic on
/// times near year 1 or 9999 (look-backs, windows, offsets) would overflow instead of answering.
/// </summary>
public static class SupportedInstants
{
    public static readonly DateTimeOffset Earliest = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The first instant no longer accepted.</summary>
    public static readonly DateTimeOffset End = new(2200, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static bool Contains(DateTimeOffset at) => at >= Earliest && at < End;

    /// <summary>The date <paramref name="date"/> (a day, month or year) lies inside the range.</summary>
    public static bool Contains(DateOnly date) => date >= DateOnly.FromDateTime(Earliest.UtcDateTime) && date < DateOnly.FromDateTime(End.UtcDateTime);

    /// <summary>The reason given with a refused time.</summary>
    public static string Problem(string literal) => string.Create(CultureInfo.InvariantCulture,
        $"'{(literal.Length <= 40 ? literal : literal[..40] + "...")}' is outside the supported range: times must be from {Earliest:yyyy-MM-dd} up to (not including) {End:yyyy-MM-dd}, UTC");
}
