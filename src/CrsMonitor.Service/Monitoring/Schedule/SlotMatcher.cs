using CrsMonitor.Service.Monitoring.Protocols;
using CrsMonitor.Service.Readings;

namespace CrsMonitor.Service.Monitoring.Schedule;

/// <summary>When a slot was done and by what (the readings, as "Observation/abc" references).</summary>
public sealed record SlotDone(DateTimeOffset At, string By);

/// <summary>
/// Which readings do which check. A slot due at D takes readings from D − early (early: the tolerance, at most half the
/// gap to the previous slot of its kind) up to where the next slot's span starts; so every reading counts for one slot
/// only, a check taken a little early counts, and a late check counts for the slot it was late for. A vital-signs check
/// is done when a temperature, a systolic blood pressure and an SpO2 have each been recorded in the span (the inputs of
/// CRS grading); an ICE check when a neuro check has.
/// </summary>
public static class SlotMatcher
{
    private static readonly ReadingKind[] VitalSigns = [ReadingKind.Temperature, ReadingKind.SystolicBp, ReadingKind.Spo2];

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
        ArgumentNullException.ThrowIfNull(boundaries);
        ArgumentNullException.ThrowIfNull(dueTimes);
        ArgumentNullException.ThrowIfNull(readings);
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

        var needed = kind == CheckKind.VitalSigns ? VitalSigns : [ReadingKind.NeuroCheck];
        var result = new SlotDone?[dueTimes.Count];
        for (var i = 0; i < dueTimes.Count; i++)
        {
            var from = starts[i];
            var to = i + 1 < dueTimes.Count ? starts[i + 1] : windowEnd;
            var firsts = needed
                .Select(k => readings.Where(r => r.Kind == k && r.EffectiveAt >= from && r.EffectiveAt < to).MinBy(r => r.EffectiveAt))
                .ToList();
            if (firsts.All(r => r is not null))
            {
                result[i] = new SlotDone(
                    firsts.Max(r => r!.EffectiveAt),
                    string.Join(", ", firsts.Select(r => $"{r!.Source.ResourceType}/{r.Source.ResourceId}").Distinct()));
            }
        }

        return result;
    }
}
