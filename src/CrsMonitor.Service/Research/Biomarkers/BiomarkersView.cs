using CrsMonitor.Service.Ingest;
using CrsMonitor.Service.Readings;
using CrsMonitor.Service.Research.Scores;

namespace CrsMonitor.Service.Research.Biomarkers;

/// <summary>The biomarker answer from a patient's Lab readings and protocol doses: analytes present in table order, both scores.</summary>
internal static class BiomarkersView
{
    public static BiomarkersDocument Build(
        string patientId, IReadOnlyList<Reading> labs, IEnumerable<ScoreDose> doses, LabTable table, BiomarkerSettings settings)
    {
        var history = new LabHistory(labs);
        var analytes = table.Analytes
            .Select(a => (Analyte: a, Points: history.Of(a.Key)))
            .Where(x => x.Points.Count > 0)
            .Select(x => new AnalyteDocument(x.Analyte.Key, x.Analyte.Display, x.Analyte.CanonicalUnit, [.. x.Points.Select(Point)]))
            .ToList();
        var doseList = doses.ToList();
        var scores = ResearchScores.All
            .Select(score => ScoreCalculator.Report(
                score, history, doseList, TimeSpan.FromHours(settings.ScoreInputMaxAgeHours), TimeSpan.FromHours(settings.PreDoseLookbackHours)))
            .Select(report => new ScoreDocument(
                report.Score.Key, report.Score.Display, report.Score.Formula, ResearchScores.Notice,
                [.. report.PreDose.Select(p => new PreDoseDocument(p.Dose.Id, p.Dose.Drug, p.Dose.StartedAt, p.Result.Value, p.Result.Reason, p.Result.Inputs))],
                report.Series))
            .ToList();
        return new BiomarkersDocument(patientId, analytes, scores);
    }

    private static LabPointDocument Point(Reading r) =>
        new(r.EffectiveAt, r.Value, r.OriginalValue, r.Qualifier, new SourceDocument(r.Source.ResourceType, r.Source.ResourceId, r.Source.VersionId));
}
