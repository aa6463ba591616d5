using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Ingest;

/// <summary>
/// A request the FHIR endpoint refuses: the HTTP status (400 unparseable or structurally invalid, 413 too large,
/// 415 wrong media type, 422 valid FHIR that breaks our rules, ...) and the OperationOutcome that says why, each
/// issue naming the element (<c>expression</c>) and the problem in words (<c>diagnostics</c>).
/// </summary>
public sealed record FhirError(int StatusCode, OperationOutcome Outcome);
