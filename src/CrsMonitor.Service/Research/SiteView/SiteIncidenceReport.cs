namespace CrsMonitor.Service.Research.SiteView;

/// <summary>The site view at <see cref="GeneratedAt"/>: per protocol drug, the cumulative incidence after each step-up dose. Aggregate only.</summary>
public sealed record SiteIncidenceReport(DateTimeOffset GeneratedAt, int HorizonHours, IReadOnlyList<DrugIncidence> Drugs);
