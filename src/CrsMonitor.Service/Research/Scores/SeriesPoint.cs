namespace CrsMonitor.Service.Research.Scores;

/// <summary>A score over time: its value at an instant at which one of its inputs changed, with the inputs used.</summary>
public sealed record SeriesPoint(DateTimeOffset At, decimal Value, IReadOnlyList<ScoreInput> Inputs);
