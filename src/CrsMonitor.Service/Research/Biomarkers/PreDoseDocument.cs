using CrsMonitor.Service.Research.Scores;

namespace CrsMonitor.Service.Research.Biomarkers;

/// <summary>The score at one dose's infusion start: its value, or null with the reason; the inputs found.</summary>
public sealed record PreDoseDocument(string DoseId, string Drug, DateTimeOffset StartedAt, decimal? Value, string? Reason, IReadOnlyList<ScoreInput> Inputs);
