namespace CrsMonitor.Service.Research.Episodes;

/// <summary>The canonical unit of each lab analyte key (the lab table's; the contract of ReadingKind.Lab).</summary>
internal static class LabUnits
{
    private static readonly Dictionary<string, string> Canonical = new(StringComparer.Ordinal)
    {
        ["crp"] = "mg/L", ["ferritin"] = "ng/mL", ["il-6"] = "pg/mL", ["ldh"] = "U/L", ["platelets"] = "10*9/L",
        ["creatinine"] = "mg/dL", ["ast"] = "U/L", ["alt"] = "U/L", ["fibrinogen"] = "mg/dL", ["d-dimer"] = "ng/mL",
    };

    public static string CanonicalOf(string analyte) => Canonical.GetValueOrDefault(analyte, "");

    /// <summary>The LOINC code a value in the canonical unit is reported under (d-dimer: by its FEU or DDU basis).</summary>
    public static (string Code, string Display) LoincOf(string analyte, string? basis) => analyte switch
    {
        "crp" => ("1988-5", "C reactive protein [Mass/volume] in Serum or Plasma"),
        "ferritin" => ("2276-4", "Ferritin [Mass/volume] in Serum or Plasma"),
        "il-6" => ("26881-3", "Interleukin 6 [Mass/volume] in Serum or Plasma"),
        "ldh" => ("2532-0", "Lactate dehydrogenase [Enzymatic activity/volume] in Serum or Plasma"),
        "platelets" => ("777-3", "Platelets [#/volume] in Blood by Automated count"),
        "creatinine" => ("2160-0", "Creatinine [Mass/volume] in Serum or Plasma"),
        "ast" => ("1920-8", "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma"),
        "alt" => ("1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma"),
        "fibrinogen" => ("3255-7", "Fibrinogen [Mass/volume] in Platelet poor plasma by Coagulation assay"),
        "d-dimer" when basis == "DDU" => ("48066-5", "Fibrin D-dimer DDU [Mass/volume] in Platelet poor plasma"),
        "d-dimer" => ("48065-7", "Fibrin D-dimer FEU [Mass/volume] in Platelet poor plasma"),
        _ => throw new ArgumentOutOfRangeException(nameof(analyte), analyte, "not a lab analyte key"),
    };
}
