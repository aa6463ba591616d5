using System.Data.Common;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Storage;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace CrsMonitor.Service.Ingest.Endpoints;

/// <summary>Who writes, and where the resource sits in the request (for the OperationOutcome's expression).</summary>
/// <param name="User">The caller as the token says.</param>
/// <param name="At">The resource's path in the request: <c>Observation</c>, or <c>Bundle.entry[3].resource</c>.</param>
public sealed record WriteCaller(CurrentUser User, string At);

/// <summary>
/// A write refused inside its unit of work (authorization, an unknown patient). Thrown, not returned, so that the
/// transaction rolls back whatever the unit of work had already written (a transaction Bundle's earlier entries).
/// </summary>
public sealed class WriteRefusedException(FhirError error, string? patientId)
    : Exception(error?.Outcome.Issue.FirstOrDefault()?.Diagnostics ?? "write refused")
{
    public FhirError Error { get; } = error!;

    /// <summary>The patient whose data the refused write touched or named (for the audit row).</summary>
    public string? PatientId { get; } = patientId;
}

/// <summary>
/// Authorization of a FHIR write on every path (create, conditional create, resend, update, retraction, batch and
/// transaction entries), through <see cref="PatientAccess.AllowsAsync(DbConnection, CurrentUser, PatientDataUse, IEnumerable{string}, CancellationToken)"/>:
/// the patient the new body names before the write, and the patient the stored resource belonged to once the store
/// has found it (inside the same transaction, so a refusal rolls the write back).
/// </summary>
public static class FhirWriteAccess
{
    /// <summary>Types only an integration client (the hospital's ADT feed) writes.</summary>
    public static readonly IReadOnlySet<string> AdministrativeTypes = new HashSet<string>(StringComparer.Ordinal) { "Patient", "Location", "Encounter" };

    /// <summary>
    /// Before the write. 422 when the body names a patient we do not know (send the Patient first or in the same
    /// transaction); 403 when a clinician writes administrative resources or for a patient not on their units.
    /// </summary>
    public static async Task CheckBodyAsync(DbConnection c, DbTransaction tx, WriteCaller caller, AcceptedResource accepted, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(accepted);
        var type = accepted.ResourceType;
        var patientId = type == "Patient" ? null : accepted.PatientId;
        if (patientId is not null && !await FhirResourceStore.ExistsAsync(c, tx, "Patient", patientId, ct).ConfigureAwait(false))
        {
            throw Refused(StatusCodes.Status422UnprocessableEntity, OperationOutcome.IssueType.Invalid, $"{caller.At}.subject",
                $"Patient/{patientId} is not known: send the Patient first (or in the same transaction)", patientId);
        }

        if (PatientAccess.IsIntegration(caller.User))
        {
            return;
        }

        if (AdministrativeTypes.Contains(type))
        {
            throw Refused(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden, caller.At,
                $"{type} resources come from the hospital's ADT interface (integration tokens), not from clinicians", patientId);
        }

        if (patientId is null || !await PatientAccess.AllowsAsync(c, caller.User, PatientDataUse.FeedWrite, patientId, ct).ConfigureAwait(false))
        {
            throw Refused(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden, $"{caller.At}.subject",
                $"Patient/{patientId} is not on your units", patientId);
        }
    }

    /// <summary>
    /// Once the store has decided, still inside the transaction. An update or retraction needs the right to write the
    /// patient the stored version belongs to as well (so moving a resource needs both patients); a resend answers with
    /// the stored resource only to a caller who may read it (an integration client is answered its id and version).
    /// <paramref name="byIdentifier"/>: the store found the resource by the identifier of a create (a correction), not by an id the caller sent.
    /// </summary>
    public static async Task CheckStoredAsync(
        DbConnection c, WriteCaller caller, string type, SaveResult saved, string? newPatientId, CancellationToken ct, bool byIdentifier = false)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(saved);
        if (saved.PriorPatientId is not { } prior || PatientAccess.IsIntegration(caller.User))
        {
            return;
        }

        if (saved.Kind == SaveKind.Existing)
        {
            if (!await PatientAccess.AllowsAsync(c, caller.User, PatientDataUse.Read, prior, ct).ConfigureAwait(false))
            {
                throw Refused(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden, $"{caller.At}.identifier",
                    $"this identifier already belongs to another {type}, of a patient who is not on your units; nothing was written", prior);
            }

            return;
        }

        if (prior != newPatientId && !await PatientAccess.AllowsAsync(c, caller.User, PatientDataUse.FeedWrite, prior, ct).ConfigureAwait(false))
        {
            // A create that found its identifier held (a correction) names neither the holder nor its id: the caller chose no id.
            throw byIdentifier
                ? Refused(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden, $"{caller.At}.identifier",
                    $"this identifier already belongs to another {type}, of a patient who is not on your units; nothing was written", prior)
                : Refused(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden, caller.At,
                    $"{type}/{saved.Id} belongs to a patient who is not on your units; nothing was written", prior);
        }
    }

    private static WriteRefusedException Refused(int status, OperationOutcome.IssueType code, string expression, string text, string? patientId) =>
        new(new FhirError(status, FhirOutcomes.Error(code, expression, text)), patientId);
}
