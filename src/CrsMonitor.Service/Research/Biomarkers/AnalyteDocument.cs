namespace CrsMonitor.Service.Research.Biomarkers;

/// <summary>One analyte present in the patient's results: its key, name, canonical unit and every result in time order.</summary>
public sealed record AnalyteDocument(string Key, string Display, string Unit, IReadOnlyList<LabPointDocument> Points);
