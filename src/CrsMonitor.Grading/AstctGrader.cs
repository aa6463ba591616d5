using CrsMonitor.Grading.Crs;
using CrsMonitor.Grading.Icans;

namespace CrsMonitor.Grading;

/// <summary>Both ASTCT 2019 scales, graded independently (vignettes B01–B03).</summary>
public sealed record Assessment(GradeResult? Crs, GradeResult? Icans);

/// <summary>Entry point of the pure grading core: no clock, no I/O, no FHIR (invariant 1).</summary>
public static class AstctGrader
{
    public static Assessment Evaluate(CrsInput? crs, IcansInput? icans, GradingSettings? settings = null)
    {
        settings ??= GradingSettings.Default;
        return new Assessment(
            crs is null ? null : CrsGrader.Grade(crs, settings),
            icans is null ? null : IcansGrader.Grade(icans, settings));
    }
}
