namespace CrsMonitor.Service.Research.Scores;

/// <summary>A score at the infusion start of one dose, from the labs at most the pre-dose look-back before it.</summary>
public sealed record PreDoseScore(ScoreDose Dose, ScoreResult Result);
