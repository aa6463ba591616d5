using CrsMonitor.Service.Monitoring.Protocols;
using CrsMonitor.Service.Readings;

namespace CrsMonitor.Service.Monitoring.Schedule;

/// <summary>When a slot was done and by what (the readings, as "Observation/abc" references).</summary>
public sealed record SlotDone(DateTimeOffset At, string By);

/// <summary>The readings a slot takes: effective in [<paramref name="From"/>, <paramref name="To"/>) (empty when From ≥ To).</summary>
public readonly record struct SlotSpan(DateTimeOffset From, DateTimeOffset To)
{
    public bool IsEmpty => From >= To;
}

/// <summary>
/// Which readings do which check. A slot due at D takes readings from D − early (early: the tolerance, at most half the
/// gap to the previous slot of its kind) up to where the next slot's span starts; so every reading counts for one slot
/// only, a check taken a little early counts, and a late check counts for the slot it was late for. A vital-signs check
/// is done when a temperature, a systolic blood pressure and an SpO2 have each been recorded in the span (the inputs of
/// CRS grading); an ICE check when a neuro check has. A slot depends only on the FIRST reading of each needed kind in
/// its span: the monitoring refresh asks the database for just those (<see cref="BoundedMonitoringReads"/>), and this
/// whole-list form is its oracle.
/// </summary>
public static class SlotMatcher
{
    private static readonly ReadingKind[] VitalSigns = [ReadingKind.Temperature, ReadingKind.SystolicBp, ReadingKind.Spo2];

    /// <summary>The reading kinds a check needs (each at least once in the slot's span).</summary>
    public static IReadOnlyList<ReadingKind> Needed(CheckKind kind) => kind == CheckKind.VitalSigns ? VitalSigns : [ReadingKind.NeuroCheck];

    /// <summary>For each slot (one kind, ordered by due time), when it was done, or null.</summary>
    public static IReadOnlyList<SlotDone?> Match(
        CheckKind kind, IReadOnlyList<DateTimeOffset> dueTimes, DateTimeOffset opensAt, IReadOnlyList<Reading> readings, TimeSpan earlyTolerance)
        => Match(kind, dueTimes, opensAt, readings, earlyTolerance, [], DateTimeOffset.MaxValue);

    /// <summary>
    /// As above, with the intensification triggers as boundaries (the check that showed an ICE drop is not the first
    /// 30-minute recheck it started: a slot after a trigger takes readings from after the trigger only) and the
    /// window's end (the last slot takes nothing after it: a reading at the next dose does not do an old check).
    /// </summary>
    public static IReadOnlyList<SlotDone?> Match(
        CheckKind kind, IReadOnlyList<DateTimeOffset> dueTimes, DateTimeOffset opensAt, IReadOnlyList<Reading> readings, TimeSpan earlyTolerance,
        IReadOnlyList<DateTimeOffset> boundaries, DateTimeOffset windowEnd)
    {
        ArgumentNullException.ThrowIfNull(readings);
        var spans = Spans(dueTimes, opensAt, earlyTolerance, boundaries, windowEnd);
        var needed = Needed(kind);
        var result = new SlotDone?[spans.Count];
        for (var i = 0; i < spans.Count; i++)
        {
            var (from, to) = spans[i];
            result[i] = Done([.. needed.Select(k => readings.Where(r => r.Kind == k && r.EffectiveAt >= from && r.EffectiveAt < to).MinBy(r => r.EffectiveAt))]);
        }

        return result;
    }

    /// <summary>The span of each slot (ordered by due time): what <see cref="Match(CheckKind, IReadOnlyList{DateTimeOffset}, DateTimeOffset, IReadOnlyList{Reading}, TimeSpan, IReadOnlyList{DateTimeOffset}, DateTimeOffset)"/> looks in.</summary>
    public static IReadOnlyList<SlotSpan> Spans(
        IReadOnlyList<DateTimeOffset> dueTimes, DateTimeOffset opensAt, TimeSpan earlyTolerance, IReadOnlyList<DateTimeOffset> boundaries, DateTimeOffset windowEnd)
    {
        ArgumentNullException.ThrowIfNull(boundaries);
        ArgumentNullException.ThrowIfNull(dueTimes);
        var starts = new DateTimeOffset[dueTimes.Count];
        for (var i = 0; i < dueTimes.Count; i++)
        {
            var previous = i == 0 ? opensAt : dueTimes[i - 1];
            var half = (dueTimes[i] - previous) / 2;
            starts[i] = dueTimes[i] - (half < earlyTolerance ? half : earlyTolerance);
            foreach (var boundary in boundaries.Where(b => b >= previous && b < dueTimes[i]))
            {
                starts[i] = starts[i] > boundary ? starts[i] : boundary.AddTicks(1);
            }
        }

        return [.. starts.Select((from, i) => new SlotSpan(from, i + 1 < starts.Length ? starts[i + 1] : windowEnd))];
    }

    /// <summary>The slot's completion from the first reading of each needed kind in its span (null where none): done when all are there.</summary>
    public static SlotDone? Done(IReadOnlyList<Reading?> firsts)
    {
        ArgumentNullException.ThrowIfNull(firsts);
        return firsts.All(r => r is not null)
            ? new SlotDone(
                firsts.Max(r => r!.EffectiveAt),
                string.Join(", ", firsts.Select(r => $"{r!.Source.ResourceType}/{r.Source.ResourceId}").Distinct()))
            : null;
    }
}
