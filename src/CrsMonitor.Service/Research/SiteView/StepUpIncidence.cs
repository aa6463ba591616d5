using CrsMonitor.Service.Assessment;

namespace CrsMonitor.Service.Research.SiteView;

/// <summary>The doses given as step-up dose <see cref="StepUpIndex"/> of a drug: how many were at risk, and each scale's curve.</summary>
public sealed record StepUpIncidence(int StepUpIndex, string Label, int N, IncidenceCurve Crs, IncidenceCurve Icans)
{
    public IncidenceCurve For(Scale scale) => scale == Scale.Crs ? Crs : Icans;
}
