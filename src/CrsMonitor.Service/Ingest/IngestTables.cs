using CrsMonitor.Service.Readings;

namespace CrsMonitor.Service.Ingest;

/// <summary>One accepted UCUM unit of a quantity code: its physically possible range (in that unit) and the
/// conversion to the canonical unit, canonical = (value − Subtract) × Multiply ÷ Divide in exact decimal arithmetic.</summary>
internal sealed record UnitRule(string Code, decimal Min, decimal Max, decimal Subtract, decimal Multiply, decimal Divide)
{
    public bool IsIdentity => Subtract == 0 && Multiply == 1 && Divide == 1;

    public decimal ToCanonical(decimal value) => IsIdentity ? value : (value - Subtract) * Multiply / Divide;
}

/// <summary>
/// A quantity CrsMonitor turns into a reading (observation-codes.json, <c>quantities</c>), measured under any of its
/// LOINC codes (the vital-signs profile's code and the codes of a site, position or method).
/// </summary>
internal sealed record QuantityCode(string Key, string Display, IReadOnlyList<LoincCode> Codes, ReadingKind Kind, string CanonicalUnit, IReadOnlyList<UnitRule> Units)
{
    public UnitRule? Unit(string? code) => Units.FirstOrDefault(u => string.Equals(u.Code, code, StringComparison.Ordinal));

    public string UnitList => string.Join(" or ", Units.Select(u => u.Code));

    /// <summary>What a message calls it ("body temperature"): the element's path already says which code was sent.</summary>
    public string Label => $"{char.ToLowerInvariant(Display[0])}{Display[1..]}";
}

/// <summary>A clinician judgement coded in the crsmonitor observation CodeSystem (observation-codes.json, <c>clinicianInputs</c>).</summary>
internal sealed record ClinicianInputCode(string Code, bool IsBoolean, bool TrueOnly, int Min, int Max);

/// <summary>What observation-codes.json says, indexed for lookup.</summary>
internal sealed record ObservationTable(
    string LoincSystem,
    string UcumSystem,
    string CrsmonitorSystem,
    IReadOnlyDictionary<string, QuantityCode> QuantitiesByLoinc,
    IReadOnlySet<string> BloodPressurePanelCodes,
    IReadOnlyDictionary<string, NotGradedCode> NotGradedByLoinc,
    QuantityCode Systolic,
    QuantityCode Diastolic,
    string OxygenDeviceCode,
    string AtBaselineCode,
    string ForComfortCode,
    string QualifierExtensionUrl,
    string NeuroCheckPanelCode,
    IReadOnlyDictionary<string, ClinicianInputCode> ClinicianInputs);

internal enum NeuroAnswerType
{
    Boolean,
    Integer,
    Coding,
}

/// <summary>One item of the neuro-check Questionnaire (linkId = component code = the calculator's icans field name).</summary>
internal sealed record NeuroItem(string LinkId, NeuroAnswerType Type, bool Repeats, int Min, int Max, IReadOnlyList<string> Codes)
{
    public string Expected => Type switch
    {
        NeuroAnswerType.Boolean => "true or false (valueBoolean)",
        NeuroAnswerType.Integer => $"a whole number from {Min} to {Max} (valueInteger)",
        _ => $"one of {string.Join(", ", Codes)} (valueCoding)",
    };
}

/// <summary>The neuro-check Questionnaire as the ingester uses it.</summary>
internal sealed record NeuroCheckDefinition(string Url, string AnswerSystem, IReadOnlyList<NeuroItem> Items)
{
    public static readonly IReadOnlyList<string> IceItems =
    [
        "orientationYear", "orientationMonth", "orientationCity", "orientationHospital",
        "namingCount", "followsCommands", "writesSentence", "countsBackwards",
    ];

    public NeuroItem? Item(string? linkId) => Items.FirstOrDefault(i => string.Equals(i.LinkId, linkId, StringComparison.Ordinal));
}

/// <summary>Oxygen-device codes and the SNOMED CT device map.</summary>
internal sealed record DeviceTable(string System, IReadOnlySet<string> Codes, string SnomedSystem, IReadOnlyDictionary<string, string> SnomedToDevice);

/// <summary>A drug of drug-map.json.</summary>
internal sealed record DrugEntry(string Key, string Class);

internal sealed record DrugTable(IReadOnlyDictionary<(string System, string Code), DrugEntry> ByCode, string CrsmonitorSystem, IReadOnlySet<string> CrsmonitorCodes);
