namespace CrsMonitor.Service.Research.Scores;

/// <summary>
/// A research score as the chart shows it: its key (<c>easix</c>, <c>m-easix</c>), its short name (EASIX), its name with
/// its source, the formula in words, and its inputs (multiplied together, then divided by the divisor inputs).
/// </summary>
public sealed record ScoreDefinition(string Key, string Name, string Display, string Formula, IReadOnlyList<ScoreTerm> Terms);
