namespace CrsMonitor.Grading.Crs;

public enum TemperatureUnit
{
    Celsius,
    Fahrenheit,
}

/// <summary>A measured temperature in the unit it was recorded in; conversion is exact (decimal), never rounded.</summary>
public sealed record Temperature(decimal Value, TemperatureUnit Unit)
{
    /// <summary>Exact Celsius value (°F − 32) × 5 / 9, for display; comparisons use <see cref="IsFever"/>.</summary>
    public decimal Celsius => Unit == TemperatureUnit.Celsius ? Value : (Value - 32m) * 5m / 9m;

    /// <summary>CRS-FEVER: ≥ 38.0 °C, or ≥ 100.4 °F compared without dividing: (F − 32) × 5 ≥ 38 × 9.</summary>
    public bool IsFever => Unit == TemperatureUnit.Celsius ? Value >= 38.0m : (Value - 32m) * 5m >= 342m;

    public override string ToString() => Unit == TemperatureUnit.Celsius
        ? $"{Value} °C"
        : $"{Value} °F ({decimal.Round(Celsius, 2)} °C)";
}

/// <summary>Vasoactive agents. Which ones count as vasopressors is CRS-VASO's table, not the caller's.</summary>
public enum VasoactiveAgent
{
    Norepinephrine,
    Epinephrine,
    Phenylephrine,
    Dopamine,
    Vasopressin,
    AngiotensinII,
    Metaraminol,
    Dobutamine,
    Milrinone,
}

/// <summary>One infusion of a vasoactive agent; <c>End</c> null means still running.</summary>
public sealed record VasoactiveInfusion(VasoactiveAgent Agent, DateTimeOffset? Start = null, DateTimeOffset? End = null);

public enum OxygenDevice
{
    RoomAir,
    NasalCannula,
    BlowBy,
    HighFlowNasalCannula,
    SimpleFaceMask,
    NonRebreather,
    VenturiMask,
    Cpap,
    Bipap,
    MechanicalVentilation,
}

/// <summary>Current respiratory support (CRS-O2, CRS-ATTRIB, CRS-SPO2).</summary>
public sealed record OxygenSupport(
    OxygenDevice Device,
    decimal? FlowLitresPerMinute = null,
    bool AtBaseline = false,
    bool ForComfort = false,
    decimal? RoomAirSpo2Percent = null);

/// <summary>
/// Everything the CRS grader reads at one assessment instant. Flags are clinician inputs (CRS-ATTRIB): the grader
/// never infers attribution, therapy or establishment.
/// </summary>
public sealed record CrsInput
{
    public Temperature? Temperature { get; init; }

    /// <summary>An open CRS episode exists (CRS-MASK).</summary>
    public bool CrsEstablished { get; init; }

    /// <summary>Antipyretic or anti-cytokine therapy given during the established CRS (CRS-MASK).</summary>
    public bool FeverTherapyGiven { get; init; }

    /// <summary>Corticosteroid premedication before the dose (CRS-PREMED).</summary>
    public bool SteroidPremedication { get; init; }

    /// <summary>
    /// CRS-AFEBRILE: a corticosteroid, antipyretic or anti-cytokine drug was given within the masking period before the
    /// assessment (continuous grading: <c>ContinuousGrading:PremedicationMasksFor</c>; the calculator: its medication list).
    /// </summary>
    public bool FeverModifyingDrugRecent { get; init; }

    /// <summary>Age in whole years (CRS-HYPO-PED). Null: the adult hypotension threshold, and the rule text says so.</summary>
    public int? AgeYears { get; init; }

    public bool FeverAttributedToOtherCause { get; init; }
    public bool HypotensionAttributedToOtherCause { get; init; }
    public bool HypoxiaAttributedToOtherCause { get; init; }

    public decimal? SystolicBpMmHg { get; init; }
    public bool FluidBolusForHypotension { get; init; }
    public IReadOnlyList<VasoactiveInfusion> Vasoactives { get; init; } = [];

    /// <summary>The instant at which running infusions are counted (CRS-VASO). Null: infusions with no end are running.</summary>
    public DateTimeOffset? AssessedAt { get; init; }

    public OxygenSupport? Oxygen { get; init; }

    /// <summary>Organ toxicities noted (CRS-ORGAN): recorded, never graded.</summary>
    public IReadOnlyList<string> OrganToxicities { get; init; } = [];

    /// <summary>Grade 5 is entered by a clinician, never inferred.</summary>
    public bool DeathAttributedToCrs { get; init; }
}
