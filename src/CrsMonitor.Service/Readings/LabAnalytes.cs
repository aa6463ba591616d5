namespace CrsMonitor.Service.Readings;

/// <summary>
/// The analytes a <see cref="ReadingKind.Lab"/> reading can be (its <see cref="Reading.Code"/>) and the canonical unit
/// its <see cref="Reading.Value"/> is in (issue 16's contract). <c>schemas/fhir/lab-codes.json</c> must describe exactly
/// these, with these units: the research scores read the values without converting them again.
/// </summary>
public static class LabAnalytes
{
    public const string Crp = "crp";
    public const string Ferritin = "ferritin";
    public const string Il6 = "il-6";
    public const string Ldh = "ldh";
    public const string Platelets = "platelets";
    public const string Creatinine = "creatinine";
    public const string Ast = "ast";
    public const string Alt = "alt";
    public const string Fibrinogen = "fibrinogen";
    public const string DDimer = "d-dimer";

    /// <summary>Each analyte key with the UCUM code of its canonical unit, in the order the chart lists them.</summary>
    public static IReadOnlyList<(string Key, string CanonicalUnit)> All { get; } =
    [
        (Crp, "mg/L"), (Ferritin, "ng/mL"), (Il6, "pg/mL"), (Ldh, "U/L"), (Platelets, "10*9/L"),
        (Creatinine, "mg/dL"), (Ast, "U/L"), (Alt, "U/L"), (Fibrinogen, "mg/dL"), (DDimer, "ng/mL"),
    ];
}
