namespace CrsMonitor.Service.Ingest;

/// <summary>
/// One LOINC code of an analyte (lab-codes.json <c>analytes[].codes</c>): the units it takes (a mass code no molar unit,
/// a D-dimer FEU code no DDU-annotated unit) and the qualifier its readings carry (D-dimer FEU or DDU, else null).
/// </summary>
internal sealed record LabCode(LoincCode Loinc, string? Qualifier, IReadOnlyList<UnitRule> Units);

/// <summary>A laboratory analyte CrsMonitor keeps as Lab readings (lab-codes.json <c>analytes</c>), keyed as the contract names it.</summary>
internal sealed record LabAnalyte(string Key, string Display, string CanonicalUnit, IReadOnlyList<LabCode> Codes)
{
    /// <summary>What a message calls it ("C-reactive protein").</summary>
    public string Label => Display;
}

/// <summary>What lab-codes.json says, indexed for lookup: each LOINC code to its analyte and code entry.</summary>
internal sealed record LabTable(IReadOnlyList<LabAnalyte> Analytes, IReadOnlyDictionary<string, (LabAnalyte Analyte, LabCode Code)> ByLoinc)
{
    public LabAnalyte? Analyte(string key) => Analytes.FirstOrDefault(a => a.Key == key);

    /// <summary>
    /// The code a value of <paramref name="key"/> in its canonical unit is reported under (the research export): the
    /// first code of the analyte with that qualifier that takes the canonical unit (creatinine in mg/dL: the mass code).
    /// </summary>
    public LoincCode ReportingCode(string key, string? qualifier)
    {
        var analyte = Analyte(key) ?? throw new ArgumentOutOfRangeException(nameof(key), key, "not an analyte of lab-codes.json");
        return analyte.Codes.First(c => c.Qualifier == qualifier && c.Units.Any(u => u.Code == analyte.CanonicalUnit)).Loinc;
    }
}
