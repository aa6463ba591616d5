using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Monitoring.Protocols;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Readings;

namespace CrsMonitor.Service.Research.Episodes;

/// <summary>What an episode record looks at besides the patient's facts (the grading settings it shares with the timeline).</summary>
public sealed record EpisodeRecordSettings(TimeSpan PremedicationBeforeDose, TimeSpan OxygenStaleAfter, TimeSpan LabsAround);

/// <summary>
/// Builds the toxicity episode records of one patient from <see cref="CourseFacts"/> (pure: no SQL, no clock). The
/// dose an episode follows is the last protocol dose whose infusion started at or before the onset; treatments are
/// anti-cytokine and corticosteroid administrations started between onset and resolution (or <c>asOf</c> while
/// open); labs are those collected within <see cref="EpisodeRecordSettings.LabsAround"/> of the episode.
/// </summary>
public static class EpisodeRecords
{
    private static readonly string[] TreatmentClasses = [TimelineWords.AntiCytokine, TimelineWords.Corticosteroid];
    private static readonly string[] PremedicationClasses = [TimelineWords.Corticosteroid, TimelineWords.Antipyretic];

    public static IReadOnlyList<EpisodeRecord> Build(CourseFacts facts, ProtocolCatalog protocols, EpisodeRecordSettings settings, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(protocols);
        ArgumentNullException.ThrowIfNull(settings);
        var doses = facts.Doses.OrderBy(d => d.StartedAt).ToList();
        var records = new List<EpisodeRecord>();
        foreach (var episode in facts.Timeline.Episodes.OrderBy(e => e.OnsetAt).ThenBy(e => e.Scale))
        {
            var scale = episode.Scale;
            var end = episode.ResolvedAt ?? asOf;
            var dose = doses.LastOrDefault(d => d.StartedAt <= episode.OnsetAt);
            var context = dose is null ? null : Context(dose, facts, protocols, settings);
            var peakGrade = facts.Timeline.Points.LastOrDefault(p => p.Scale == episode.Scale && p.At <= episode.MaxAt)?.Result;
            records.Add(new EpisodeRecord(
                facts.PatientId,
                scale,
                episode.OnsetAt,
                episode.MaxAt,
                episode.ResolvedAt,
                episode.MaxGrade,
                AgeYears(facts.BirthDate, dose?.StartedAt ?? episode.OnsetAt),
                context,
                scale == Scale.Crs
                    ? PeakReadings.Crs(facts.Readings, episode.OnsetAt, end, episode.MaxAt, peakGrade, settings.OxygenStaleAfter)
                    : PeakReadings.Icans(facts.Readings, episode.OnsetAt, end, episode.MaxAt),
                [.. Medications(facts.Readings, TreatmentClasses).Where(m => m.StartedAt >= episode.OnsetAt && m.StartedAt <= end)],
                [.. Labs(facts.Readings, episode.OnsetAt - settings.LabsAround, end + settings.LabsAround)]));
        }

        return records;
    }

    private static DoseContext Context(DoseRow dose, CourseFacts facts, ProtocolCatalog protocols, EpisodeRecordSettings settings)
    {
        var protocol = dose.ProtocolId is { } id ? protocols.Find(id)?.Protocol : null;
        var planned = protocol is not null && dose.Place is { } place ? protocol.DoseAt(place.Cycle, place.Day) : null;
        var given = dose.AdministrationId is null ? null : facts.Readings.FirstOrDefault(r =>
            r.Kind == ReadingKind.Medication && r.Source.ResourceId == dose.AdministrationId && r.Code == dose.DrugKey);
        var amount = given?.OriginalValue ?? (planned is null ? null : $"{planned.Amount} {planned.Unit} (protocol)");
        var windowSettings = facts.Windows.Where(w => w.DoseId == dose.Id).Select(w => w.SettingCode).Distinct(StringComparer.Ordinal).ToList();
        var premedication = Medications(facts.Readings, PremedicationClasses)
            .Where(m => m.StartedAt >= dose.StartedAt - settings.PremedicationBeforeDose && m.StartedAt <= dose.StartedAt)
            .ToList();
        return new DoseContext(
            dose.Id, dose.DrugKey, dose.Cycle, dose.Day, planned?.StepUpIndex, amount,
            planned is null ? null : RouteCode(planned.Route),
            dose.StartedAt, dose.EndedAt, premedication, dose.ProtocolId, protocol?.LabelVersion,
            windowSettings.Count == 0 ? null : string.Join(" + ", windowSettings));
    }

    private static string RouteCode(DoseRoute route) => route == DoseRoute.Intravenous ? "IV" : "SC";

    private static IEnumerable<TreatmentGiven> Medications(IReadOnlyList<Reading> readings, string[] classes) =>
        readings.Where(r => r.Kind == ReadingKind.Medication && r.Code is not null && r.Qualifier is not null && classes.Contains(r.Qualifier))
            .OrderBy(r => r.EffectiveAt)
            .Select(r => new TreatmentGiven(r.Code!, r.Qualifier!, r.OriginalValue, r.EffectiveAt, r.EndAt));

    private static IEnumerable<LabAround> Labs(IReadOnlyList<Reading> readings, DateTimeOffset from, DateTimeOffset to) =>
        readings.Where(r => r.Kind == ReadingKind.Lab && r.Code is not null && r.EffectiveAt >= from && r.EffectiveAt <= to)
            .OrderBy(r => r.EffectiveAt).ThenBy(r => r.Code, StringComparer.Ordinal)
            .Select(r => new LabAround(r.Code!, r.Value, CanonicalUnit(r.Code!), r.OriginalValue, r.Qualifier, r.EffectiveAt));

    private static string CanonicalUnit(string analyte) => LabAnalytes.All.First(a => a.Key == analyte).CanonicalUnit;

    /// <summary>Whole years at <paramref name="at"/> (in UTC dates: a day either way does not change a research age band).</summary>
    private static int? AgeYears(DateOnly? birthDate, DateTimeOffset at)
    {
        if (birthDate is not { } born)
        {
            return null;
        }

        var on = DateOnly.FromDateTime(at.UtcDateTime);
        var years = on.Year - born.Year;
        return on < born.AddYears(years) ? years - 1 : years;
    }
}
