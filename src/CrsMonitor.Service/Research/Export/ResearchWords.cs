namespace CrsMonitor.Service.Research.Export;

/// <summary>Words of the research exports' contract.</summary>
public static class ResearchWords
{
    /// <summary>The tag system marking an exported resource as de-identified by CrsMonitor.</summary>
    public const string TagSystem = "https://crsmonitor.org/fhir/CodeSystem/research";

    /// <summary>Shown wherever a research score or export is: what it is not.</summary>
    public const string NotForTreatment = "research data, de-identified; not for treatment decisions";
}
