namespace CrsMonitor.Service.Research.Scores;

/// <summary>One score for one patient: at each dose's infusion start, and over time.</summary>
public sealed record ScoreReport(ScoreDefinition Score, IReadOnlyList<PreDoseScore> PreDose, IReadOnlyList<SeriesPoint> Series);
