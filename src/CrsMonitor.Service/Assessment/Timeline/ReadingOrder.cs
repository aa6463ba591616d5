using CrsMonitor.Service.Readings;

namespace CrsMonitor.Service.Assessment;

/// <summary>
/// A total order over readings: time first (effective instant, UTC), then kind and source
/// (resource type, id, sequence, version), then content. Sorting by it makes the timeline independent of the order in
/// which readings arrived or were loaded (grading-rules.md section 5): when two readings of one input share an instant,
/// the later in this order is "the most recent".
/// </summary>
internal sealed class ReadingOrder : IComparer<Reading>
{
    public static readonly ReadingOrder Instance = new();

    public int Compare(Reading? x, Reading? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }

        var c = x.EffectiveAt.UtcTicks.CompareTo(y.EffectiveAt.UtcTicks);
        c = c != 0 ? c : x.Kind.CompareTo(y.Kind);
        c = c != 0 ? c : string.CompareOrdinal(x.Source.ResourceType, y.Source.ResourceType);
        c = c != 0 ? c : string.CompareOrdinal(x.Source.ResourceId, y.Source.ResourceId);
        c = c != 0 ? c : x.Sequence.CompareTo(y.Sequence);
        c = c != 0 ? c : x.Source.VersionId.CompareTo(y.Source.VersionId);
        c = c != 0 ? c : Nullable.Compare(x.EndAt?.UtcTicks, y.EndAt?.UtcTicks);
        c = c != 0 ? c : Nullable.Compare(x.Value, y.Value);
        c = c != 0 ? c : string.CompareOrdinal(x.Code, y.Code);
        c = c != 0 ? c : string.CompareOrdinal(x.Qualifier, y.Qualifier);
        c = c != 0 ? c : string.CompareOrdinal(x.OriginalValue, y.OriginalValue);
        c = c != 0 ? c : string.CompareOrdinal(x.Detail?.Json, y.Detail?.Json);
        return c != 0 ? c : string.CompareOrdinal(x.PatientId, y.PatientId);
    }
}

/// <summary>Orders reading sources for a stable <see cref="GradePoint.Cause"/>.</summary>
internal sealed class SourceOrder : IComparer<ReadingSource>
{
    public static readonly SourceOrder Instance = new();

    public int Compare(ReadingSource? x, ReadingSource? y)
    {
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : -1) : 1;
        }

        var c = string.CompareOrdinal(x.ResourceType, y.ResourceType);
        c = c != 0 ? c : string.CompareOrdinal(x.ResourceId, y.ResourceId);
        return c != 0 ? c : x.VersionId.CompareTo(y.VersionId);
    }
}

/// <summary>The readings of one input in <see cref="ReadingOrder"/>, searchable by time.</summary>
internal sealed class Series
{
    public static readonly Series Empty = new([]);

    private readonly Reading[] items;

    public Series(IEnumerable<Reading> sorted) => items = [.. sorted];

    public IReadOnlyList<Reading> Items => items;

    /// <summary>The index of the last reading effective at or before <paramref name="at"/>, or -1.</summary>
    public int LastIndexAtOrBefore(DateTimeOffset at)
    {
        int lo = 0, hi = items.Length;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) / 2);
            if (items[mid].EffectiveAt <= at)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo - 1;
    }

    public Reading? LatestAtOrBefore(DateTimeOffset at) => LastIndexAtOrBefore(at) is var i and >= 0 ? items[i] : null;

    /// <summary>Readings effective in (<paramref name="after"/>, <paramref name="at"/>], newest first.</summary>
    public IEnumerable<Reading> NewestFirst(DateTimeOffset at, DateTimeOffset after)
    {
        for (var i = LastIndexAtOrBefore(at); i >= 0 && items[i].EffectiveAt > after; i--)
        {
            yield return items[i];
        }
    }
}
