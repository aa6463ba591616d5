using System.Globalization;
using CrsMonitor.Grading;
using CrsMonitor.Grading.Icans;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Readings;

namespace CrsMonitor.Service.Research.Episodes;

/// <summary>The raw inputs at an episode's peak, read from the typed readings (never from the grader's rule text).</summary>
internal static class PeakReadings
{
    public static PeakFindings Crs(
        IReadOnlyList<Reading> readings, DateTimeOffset onset, DateTimeOffset end, DateTimeOffset peak, GradeResult? peakGrade, TimeSpan oxygenStaleAfter)
    {
        var tmax = readings.Where(r => r.Kind == ReadingKind.Temperature && r.Value is not null && r.EffectiveAt >= onset && r.EffectiveAt <= end)
            .OrderByDescending(r => r.Value).ThenBy(r => r.EffectiveAt).FirstOrDefault();
        // Masked: CRS-MASK graded the axes of an established CRS on fever therapy (flagged fever-masked only when both
        // are 0), or CRS-PREMED found the fever possibly hidden by steroid premedication (not gradable).
        var rule = peakGrade?.Rules.FirstOrDefault(r => r.Id is "CRS-MASK" or "CRS-PREMED");
        var masked = rule is not null || peakGrade?.Flags.Contains(GradeFlags.FeverMasked) == true
            || peakGrade?.Reason == NotGradableReasons.SuspectedMaskedFever;
        var why = rule?.Text;
        var vasopressors = readings.Where(r => r.Kind == ReadingKind.Medication && r.Qualifier == TimelineWords.Vasopressor && r.Code is not null
                && r.EffectiveAt <= peak && (r.EndAt is null || r.EndAt >= peak))
            .Select(r => r.Code!).Distinct(StringComparer.Ordinal).Count();
        var device = Latest(readings, ReadingKind.OxygenDevice, peak, oxygenStaleAfter);
        var flow = Latest(readings, ReadingKind.OxygenFlow, peak, oxygenStaleAfter);
        return new PeakFindings(
            tmax?.Value, tmax?.EffectiveAt, masked, why, vasopressors, device?.Code, flow?.Value,
            null, null, null, null, null, null, null);
    }

    public static PeakFindings Icans(IReadOnlyList<Reading> readings, DateTimeOffset onset, DateTimeOffset end, DateTimeOffset peak)
    {
        var checks = readings.Where(r => r.Kind == ReadingKind.NeuroCheck && r.Detail is not null)
            .Select(r => (Reading: r, Input: r.Detail!.NeuroCheck))
            .Where(c => c.Input is not null)
            .ToList();
        var lowest = checks.Where(c => c.Reading.EffectiveAt >= onset && c.Reading.EffectiveAt <= end && Ice(c.Input!) is not null)
            .OrderBy(c => Ice(c.Input!)).ThenBy(c => c.Reading.EffectiveAt).FirstOrDefault();
        var atPeak = checks.Where(c => c.Reading.EffectiveAt <= peak).OrderBy(c => c.Reading.EffectiveAt).LastOrDefault().Input;
        return new PeakFindings(
            null, null, false, null, null, null, null,
            lowest.Input is null ? null : Ice(lowest.Input),
            lowest.Input is null ? null : lowest.Reading.EffectiveAt,
            lowest.Input?.IceItems is { } items ? Items(items) : null,
            atPeak?.Consciousness is { } c ? Vocabulary.Consciousness.Code(c) : null,
            atPeak?.Seizure is { } s ? Vocabulary.Seizure.Code(s) : null,
            atPeak?.Motor is { } m ? Vocabulary.Motor.Code(m) : null,
            atPeak?.Icp is { Count: > 0 } icp ? string.Join("; ", icp.Select(Vocabulary.Icp.Code)) : null);
    }

    private static int? Ice(IcansInput input) => input.IceItems?.Total ?? input.IceScore;

    private static string Items(IceItems i) => string.Create(CultureInfo.InvariantCulture,
        $"orientation {(i.OrientationYear ? 1 : 0) + (i.OrientationMonth ? 1 : 0) + (i.OrientationCity ? 1 : 0) + (i.OrientationHospital ? 1 : 0)}/4; naming {i.NamingCount}/3; commands {(i.FollowsCommands ? 1 : 0)}/1; writing {(i.WritesSentence ? 1 : 0)}/1; attention {(i.CountsBackwards ? 1 : 0)}/1");

    private static Reading? Latest(IReadOnlyList<Reading> readings, ReadingKind kind, DateTimeOffset at, TimeSpan staleAfter) =>
        readings.Where(r => r.Kind == kind && r.EffectiveAt <= at && r.EffectiveAt > at - staleAfter).OrderBy(r => r.EffectiveAt).LastOrDefault();
}
