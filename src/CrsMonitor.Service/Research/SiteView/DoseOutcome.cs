using CrsMonitor.Service.Monitoring.Protocols;

namespace CrsMonitor.Service.Research.SiteView;

/// <summary>A dose at risk with its follow-up for each scale.</summary>
public sealed record DoseOutcome(SiteDose Dose, FollowUp Crs, FollowUp Icans)
{
    public FollowUp For(Toxicity scale) => scale == Toxicity.Crs ? Crs : Icans;
}
