using CrsMonitor.Service.Readings;

namespace CrsMonitor.Service.Research.Scores;

/// <summary>
/// A patient's laboratory results by analyte, in time order (ties: source resource, then sequence, so the choice between
/// two results of one instant never depends on the order they were read in). Pure: readings in, lookups out.
/// </summary>
public sealed class LabHistory
{
    private readonly Dictionary<string, List<Reading>> byAnalyte;

    public LabHistory(IEnumerable<Reading> readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        byAnalyte = readings
            .Where(r => r.Kind == ReadingKind.Lab && r.Code is not null)
            .GroupBy(r => r.Code!, StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => g.OrderBy(r => r.EffectiveAt).ThenBy(r => r.Source.ResourceType, StringComparer.Ordinal)
                    .ThenBy(r => r.Source.ResourceId, StringComparer.Ordinal).ThenBy(r => r.Sequence).ToList(),
                StringComparer.Ordinal);
    }

    /// <summary>The results of <paramref name="analyte"/>, in time order.</summary>
    public IReadOnlyList<Reading> Of(string analyte) => byAnalyte.TryGetValue(analyte, out var list) ? list : [];

    /// <summary>The latest result of <paramref name="analyte"/> taken at or before <paramref name="at"/>, or null.</summary>
    public Reading? LatestAtOrBefore(string analyte, DateTimeOffset at) => Of(analyte).LastOrDefault(r => r.EffectiveAt <= at);
}
