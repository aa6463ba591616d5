using CrsMonitor.Service.Assessment;

namespace CrsMonitor.Service.Research.SiteView;

/// <summary>A dose at risk with its follow-up for each scale.</summary>
public sealed record DoseOutcome(SiteDose Dose, FollowUp Crs, FollowUp Icans)
{
    public FollowUp For(Scale scale) => scale == Scale.Crs ? Crs : Icans;
}
