namespace CrsMonitor.Grading;

/// <summary>
/// The settings grading-rules.md names where sources disagree. Each default is documented with its rule id;
/// a result that depends on a defaulted judgement carries a review flag or names the setting in its rule text.
/// </summary>
public sealed record GradingSettings
{
    public static readonly GradingSettings Default = new();

    /// <summary>CRS-HYPO-DEF: hypotension is systolic BP strictly below this value (mmHg). Default 90.</summary>
    public decimal HypotensionSystolicBelowMmHg { get; init; } = 90m;

    /// <summary>ICANS-AGE: ICE is used from this age (years); below it, CAPD. Default 12.</summary>
    public int IceMinimumAgeYears { get; init; } = 12;

    /// <summary>CRS-ATTRIB: oxygen "for comfort" counts as 0 only with room-air SpO2 at or above this (%). Default 94.</summary>
    public decimal ComfortOxygenMinimumSpo2Percent { get; init; } = 94m;

    /// <summary>CRS-SPO2: room-air SpO2 below this (%) with no documented support raises a flag. Default 90.</summary>
    public decimal HypoxiaAlertSpo2BelowPercent { get; init; } = 90m;
}
