using System.Data.Common;
using CrsMonitor.Service.Alerts;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Readings;
using CrsMonitor.Service.Storage;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace CrsMonitor.Service.Ingest.Endpoints;

/// <summary>What a write did, for the HTTP answer (201/200, Location, ETag) and the audit row.</summary>
public sealed record WriteOutcome(SaveResult Saved, string ResourceType, string? PatientId, IReadOnlyList<OperationOutcome.IssueComponent> Warnings)
{
    public bool Created => Saved.Kind == SaveKind.Created;

    /// <summary>An update that moved the resource to another patient: the patient it belonged to (audited too).</summary>
    public string? MovedFromPatientId { get; init; }

    /// <summary>An Encounter write that moved open alerts to the patient's new unit: which, from where to where (audited).</summary>
    public string? AlertsMoved { get; init; }

    /// <summary>A create whose identifier a stored resource held with other content: stored as that resource's next version.</summary>
    public bool Corrected { get; init; }

    /// <summary>
    /// Whether the stored resource holds what the caller sent (always, but for a conditional create that found a
    /// resource by identifier with other content, perhaps another's), so that answering it reveals nothing new.
    /// </summary>
    public bool StoredIsWhatWasSent { get; init; } = true;

    /// <summary>How many readings the stored version gave (0 when nothing was written).</summary>
    public int Readings { get; init; }
}

/// <summary>
/// The one write path of every FHIR interaction (single resource, batch entry, transaction entry), inside a caller's
/// transaction: store the resource verbatim with its version (idempotent on identifier, content or id), derive its
/// readings, keep the projections (patient, encounter) and re-grade the patient from the reading's time onward.
/// Nothing here commits: the caller answers 2xx only after its transaction committed (invariant 4).
/// </summary>
public sealed class FhirWriter(
    PatientWork work, AlertBell bell, AlertFollower follower)
{
    /// <summary>Types a reading can come from; the others are kept and projected but not graded.</summary>
    private static readonly HashSet<string> ContentGuarded = ["Observation", "MedicationAdministration", "MedicationStatement", "QuestionnaireResponse"];

    /// <summary>
    /// Authorizes and writes one resource (<see cref="FhirWriteAccess"/>: the patient of the new body first, then the
    /// patient the stored resource belonged to). A refusal throws <see cref="WriteRefusedException"/>, which rolls back
    /// the caller's transaction. <paramref name="accepted"/> was made before the transaction: nothing is parsed,
    /// interpreted, hashed or serialised here.
    /// </summary>
    public async Task<WriteOutcome> WriteAsync(
        DbConnection connection, DbTransaction transaction, WriteCaller caller, AcceptedResource accepted, WriteRequest request,
        DateTimeOffset now, CancellationToken cancellationToken, PatientsToRegrade? regrade = null)
    {
        ArgumentNullException.ThrowIfNull(accepted);
        ArgumentNullException.ThrowIfNull(request);
        var resource = accepted.Resource;
        var warnings = accepted.Warnings;
        await FhirWriteAccess.CheckBodyAsync(connection, transaction, caller, accepted, cancellationToken).ConfigureAwait(false);

        // A single write re-grades at once; a transaction collects its patients and re-grades each once at the end.
        var queue = regrade ?? new PatientsToRegrade();
        var type = accepted.ResourceType;
        if (request.IfNoneExist is { } condition
            && await FindConditionalAsync(connection, transaction, type, condition, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            var found = new SaveResult(SaveKind.Existing, existing.Id, existing.VersionId, existing.LastUpdated, existing.Body, existing.PatientId);
            await FhirWriteAccess.CheckStoredAsync(connection, caller, type, found, accepted.PatientId, cancellationToken).ConfigureAwait(false);
            return new WriteOutcome(found, type, existing.PatientId, warnings) { StoredIsWhatWasSent = existing.ContentHash == accepted.ContentHash };
        }

        var patientId = accepted.PatientId;
        var saved = await SaveAsync(connection, transaction, caller, accepted, request, now, cancellationToken).ConfigureAwait(false);
        await FhirWriteAccess.CheckStoredAsync(
            connection, caller, type, saved, patientId, cancellationToken, byIdentifier: request.Kind != WriteKind.Update).ConfigureAwait(false);
        if (saved.Kind is SaveKind.Existing or SaveKind.Unchanged)
        {
            // Nothing was written: the data touched is the stored resource's.
            return new WriteOutcome(saved, type, saved.PriorPatientId ?? patientId, warnings);
        }

        var alertsMoved = await ProjectAsync(connection, transaction, caller, resource, saved, now, cancellationToken).ConfigureAwait(false);
        var readings = accepted.ReadingsOf(new ReadingSource(type, saved.Id, saved.VersionId));
        if (ContentGuarded.Contains(type) || readings.Count > 0)
        {
            // A resource created now (version 1 of a new id) is the source of no reading yet: nothing to look up or remove.
            var previous = await ReadingStore.ReplaceAsync(
                connection, transaction, type, saved.Id, readings, newSource: saved.Kind == SaveKind.Created, cancellationToken).ConfigureAwait(false);
            var changed = readings.Select(r => new ReplacedReading(r.EffectiveAt, r.Kind)).Concat(previous).ToList();

            // Laboratory results alone change nothing grading, the check schedule or the alerts read (CRS-ORGAN): no pass.
            if (patientId is not null && (changed.Count == 0 || changed.Any(r => r.Kind != ReadingKind.Lab)))
            {
                var from = changed.Where(r => r.Kind != ReadingKind.Lab).Select(r => r.EffectiveAt).DefaultIfEmpty(DateTimeOffset.MinValue).Min();
                queue.Add(patientId, from);
            }
        }
        else if (type == "Patient")
        {
            // A birth date changes which ICANS scale applies: re-grade the whole course.
            queue.Add(saved.Id, DateTimeOffset.MinValue);
        }

        if (regrade is null)
        {
            await RegradeAsync(connection, transaction, queue, now, cancellationToken).ConfigureAwait(false);
        }

        return new WriteOutcome(saved, type, patientId ?? (type == "Patient" ? saved.Id : null), warnings)
        {
            MovedFromPatientId = saved.PriorPatientId is { } prior && prior != patientId && type != "Patient" ? prior : null,
            AlertsMoved = alertsMoved,
            Corrected = request.Kind == WriteKind.Create && saved.Kind == SaveKind.Updated,
            Readings = readings.Count,
        };
    }

    /// <summary>
    /// Stores the resource as the request says: update by id; conditional update (the resource holding the identifier,
    /// else a create); create, where a stored resource holding one of its identifiers makes it that resource's next
    /// version unless the content is the same (a resend). <c>If-Match</c> on another version refuses the write (412).
    /// </summary>
    private static async Task<SaveResult> SaveAsync(
        DbConnection c, DbTransaction tx, WriteCaller caller, AcceptedResource accepted, WriteRequest request, DateTimeOffset now, CancellationToken ct)
    {
        try
        {
            switch (request.Kind)
            {
                case WriteKind.Update:
                    return await FhirResourceStore.UpsertAsync(c, tx, accepted.ToStore(request.Id!), now, ct, request.IfMatch).ConfigureAwait(false);
                case WriteKind.ConditionalUpdate:
                    var condition = request.Condition!;
                    var match = await FhirResourceStore.FindByIdentifierAsync(c, tx, accepted.ResourceType, condition.System, condition.Value, ct).ConfigureAwait(false);
                    var bodyId = accepted.Resource.Id;
                    if (match is not null && bodyId is not null && bodyId != match)
                    {
                        throw new WriteRefusedException(new FhirError(StatusCodes.Status400BadRequest, FhirOutcomes.Error(OperationOutcome.IssueType.Invalid,
                            $"{caller.At}.id", $"{caller.At}.id '{bodyId}' is not {accepted.ResourceType}/{match}, which holds {condition}")), accepted.PatientId);
                    }

                    // No match: with an id in the body, update-as-create by that id (FHIR R4 3.1.0.4.3); else a create
                    // (If-Match then names a version of nothing: 412).
                    var target = match ?? bodyId;
                    if (target is null && request.IfMatch is null)
                    {
                        return await CreateOrCorrectAsync(c, tx, accepted, NewId(), now, ct).ConfigureAwait(false);
                    }

                    return await FhirResourceStore.UpsertAsync(c, tx, accepted.ToStore(target ?? NewId()), now, ct, request.IfMatch).ConfigureAwait(false);
                default:
                    return await CreateOrCorrectAsync(c, tx, accepted, request.Id ?? NewId(), now, ct).ConfigureAwait(false);
            }
        }
        catch (StaleVersionException stale)
        {
            var where = request.At.Length > 0 ? request.At : "If-Match";
            throw new WriteRefusedException(new FhirError(StatusCodes.Status412PreconditionFailed, FhirOutcomes.Error(
                OperationOutcome.IssueType.Conflict, where, $"{where}: {stale.Message}; nothing was written")), accepted.PatientId);
        }
    }

    /// <summary>
    /// A create. When one of its identifiers is already held by a stored resource of the type, the same content is a
    /// resend (nothing written) and other content a correction: that resource's next version (an amended value, or an
    /// <c>entered-in-error</c> status that retracts its readings). Readings guarded by their content alone are resends.
    /// </summary>
    private static async Task<SaveResult> CreateOrCorrectAsync(DbConnection c, DbTransaction tx, AcceptedResource accepted, string id, DateTimeOffset now, CancellationToken ct)
    {
        var created = await FhirResourceStore.CreateAsync(c, tx, accepted.ToStore(id), now, ct).ConfigureAwait(false);
        if (created.Kind != SaveKind.Existing || FhirResourceStore.GuardsContent(accepted.ResourceType, accepted.Identifiers))
        {
            return created;
        }

        var corrected = await FhirResourceStore.UpsertAsync(c, tx, accepted.ToStore(created.Id), now, ct).ConfigureAwait(false);
        return corrected.Kind == SaveKind.Unchanged ? created : corrected;
    }

    /// <summary>Re-grades every queued patient once, from the earliest instant queued for it (inside the caller's transaction).</summary>
    public async Task RegradeAsync(DbConnection connection, DbTransaction transaction, PatientsToRegrade queue, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queue);
        foreach (var (patientId, from) in queue.Drain())
        {
            await work.RunAsync(connection, transaction, patientId, from, now, Actors.Ingest, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Keeps the projections; an Encounter also moves the open alerts of its patient(s) to their unit (returns what moved, for the audit).</summary>
    private async Task<string?> ProjectAsync(DbConnection c, DbTransaction tx, WriteCaller caller, Resource resource, SaveResult saved, DateTimeOffset now, CancellationToken ct)
    {
        var id = saved.Id;
        switch (resource)
        {
            case Patient p:
                await PatientStore.UpsertPatientAsync(c, tx, id, ParseDate(p.BirthDate), DisplayName(p), now, ct).ConfigureAwait(false);
                break;
            case Encounter e when Normaliser.PatientIdOf(e) is { } patient:
                var unitsBefore = await PatientStore.UnitsOfPatientAsync(c, patient, ct).ConfigureAwait(false);
                await PatientStore.UpsertEncounterAsync(
                    c, tx, id, patient, LocationIdOf(e), e.StatusElement?.JsonValue as string ?? "unknown", e.Class?.Code, now, ct).ConfigureAwait(false);
                // An admission, transfer or discharge changes the census of the unit it leaves and the one it joins.
                foreach (var unit in unitsBefore.Append(LocationIdOf(e)).OfType<string>().Distinct(StringComparer.Ordinal))
                {
                    bell.StatusChanged(tx, unit, patient, now);
                }

                return await FollowAsync(c, tx, caller, [patient, saved.PriorPatientId], now, ct).ConfigureAwait(false);
            default:
                break;
        }

        return null;
    }

    /// <summary>
    /// Alerts follow the patient: the open alerts of the encounter's patient (and of the patient an update took the
    /// encounter from) move to the unit they now belong on, in patient order (the order re-grading takes patient locks).
    /// </summary>
    private async Task<string?> FollowAsync(DbConnection c, DbTransaction tx, WriteCaller caller, IEnumerable<string?> patients, DateTimeOffset now, CancellationToken ct)
    {
        var by = caller.User.Subject ?? "unknown";
        var role = caller.User.Roles.Count > 0 ? string.Join(",", caller.User.Roles) : "unknown";
        var moved = new List<string>();
        foreach (var patient in patients.OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            foreach (var (alert, from) in await follower.FollowAsync(c, tx, patient, by, role, now, ct).ConfigureAwait(false))
            {
                moved.Add($"Alert/{alert.Id} from {from} to {alert.Unit}");
            }
        }

        return moved.Count == 0 ? null : "alerts moved: " + string.Join("; ", moved);
    }

    private static async Task<StoredResource?> FindConditionalAsync(DbConnection c, DbTransaction tx, string type, IdentifierCondition condition, CancellationToken ct)
    {
        var id = await FhirResourceStore.FindByIdentifierAsync(c, tx, type, condition.System, condition.Value, ct).ConfigureAwait(false);
        return id is null ? null : await FhirResourceStore.ReadAsync(c, type, id, ct).ConfigureAwait(false);
    }

    private static string NewId() => Guid.NewGuid().ToString("N");

    private static DateOnly? ParseDate(string? date) =>
        date is { Length: 10 } && DateOnly.TryParseExact(date, "yyyy-MM-dd", out var d) ? d : null;

    private static string? DisplayName(Patient p) =>
        p.Name.FirstOrDefault() is { } n ? string.Join(" ", n.Given.Append(n.Family).Where(s => !string.IsNullOrEmpty(s))) : null;

    private static string? LocationIdOf(Encounter e) =>
        e.Location.FirstOrDefault()?.Location?.Reference is { } reference && reference.StartsWith("Location/", StringComparison.Ordinal)
            ? reference["Location/".Length..]
            : null;
}

/// <summary>Patients whose readings changed in a unit of work, each with the earliest instant to re-grade from.</summary>
public sealed class PatientsToRegrade
{
    private readonly SortedDictionary<string, DateTimeOffset> from = new(StringComparer.Ordinal);

    public void Add(string patientId, DateTimeOffset at) =>
        from[patientId] = from.TryGetValue(patientId, out var earlier) && earlier < at ? earlier : at;

    /// <summary>The queued patients in a stable order (so concurrent transactions take patient locks in the same order).</summary>
    public IReadOnlyList<(string PatientId, DateTimeOffset From)> Drain()
    {
        var all = from.Select(kv => (kv.Key, kv.Value)).ToList();
        from.Clear();
        return all;
    }
}
