namespace CrsMonitor.Service.Research.Biomarkers;

/// <summary>One result: specimen time, value in the canonical unit (null when censored), value and unit as sent, FEU/DDU, source version.</summary>
public sealed record LabPointDocument(DateTimeOffset At, decimal? Value, string? Original, string? Qualifier, SourceDocument Source);
