namespace CrsMonitor.Service.Research.Biomarkers;

/// <summary>
/// <c>GET /api/patients/{id}/biomarkers</c>: the patient's laboratory results per analyte (values in the canonical unit,
/// as sent, with their source), and the research scores at each dose and over time, each with its notice.
/// </summary>
public sealed record BiomarkersDocument(string PatientId, IReadOnlyList<AnalyteDocument> Analytes, IReadOnlyList<ScoreDocument> Scores);
