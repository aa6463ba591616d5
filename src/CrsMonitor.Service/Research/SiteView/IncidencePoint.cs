namespace CrsMonitor.Service.Research.SiteView;

/// <summary>A step of a cumulative incidence curve: from <see cref="Hours"/> on, the incidence is <see cref="Incidence"/> (0 to 1).</summary>
public sealed record IncidencePoint(decimal Hours, decimal Incidence);
