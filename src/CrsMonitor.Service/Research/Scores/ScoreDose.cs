namespace CrsMonitor.Service.Research.Scores;

/// <summary>A protocol dose whose pre-dose score is computed: its id, drug and infusion start (<c>monitoring_dose.started_at</c>).</summary>
public sealed record ScoreDose(string Id, string Drug, DateTimeOffset StartedAt);
