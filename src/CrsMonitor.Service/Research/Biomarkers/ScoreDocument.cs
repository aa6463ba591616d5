using CrsMonitor.Service.Research.Scores;

namespace CrsMonitor.Service.Research.Biomarkers;

/// <summary>One research score: key, name with its source, formula, the notice, the score at each dose and over time.</summary>
public sealed record ScoreDocument(string Key, string Display, string Formula, string Notice, IReadOnlyList<PreDoseDocument> PreDose, IReadOnlyList<SeriesPoint> Series);
