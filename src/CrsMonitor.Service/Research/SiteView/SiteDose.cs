namespace CrsMonitor.Service.Research.SiteView;

/// <summary>
/// A dose of a protocol drug as the site view reads it from <c>monitoring_dose</c>: whose (only to find the same
/// patient's next dose and episodes; never in the answer), which drug, when its infusion started, and its place in the
/// protocol version that applied to it (null when none applied).
/// </summary>
public sealed record SiteDose(string PatientId, string DrugKey, DateTimeOffset StartedAt, string? ProtocolId, int? Cycle, int? Day);
