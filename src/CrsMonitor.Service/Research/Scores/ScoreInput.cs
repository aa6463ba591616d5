namespace CrsMonitor.Service.Research.Scores;

/// <summary>One input a score used: the analyte key, its value in the formula's unit, that unit, and when the specimen was taken.</summary>
public sealed record ScoreInput(string Key, decimal Value, string Unit, DateTimeOffset At);
