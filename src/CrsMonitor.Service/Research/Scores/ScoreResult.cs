namespace CrsMonitor.Service.Research.Scores;

/// <summary>
/// A score at one instant: its value, or none with the reason naming each input at fault (missing, stale, censored, a
/// platelet count of 0); the inputs that were found either way.
/// </summary>
public sealed record ScoreResult(decimal? Value, string? Reason, IReadOnlyList<ScoreInput> Inputs);
