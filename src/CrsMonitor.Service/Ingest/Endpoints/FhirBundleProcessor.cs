using System.Data.Common;
using System.Globalization;
using System.Text;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Storage;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using Microsoft.Extensions.Options;
using Metrics = CrsMonitor.Service.Hosting.Telemetry.ServiceMetrics;

namespace CrsMonitor.Service.Ingest.Endpoints;

/// <summary>
/// Runs writes: a single resource, a batch (each entry on its own) or a transaction (all or nothing, <c>urn:uuid:</c>
/// references resolved). Parse (400) → our rules (422) → accepted form (patient, readings-to-be, identifiers, hash,
/// stored JSON: made once, before the transaction) → access (403) → one database transaction (store, readings,
/// projections, re-grade, audit) → 2xx after commit. Failures are kept as rejected payloads. A database outage
/// is answered by <see cref="Storage.DatabaseUnavailableHandler"/> (503 + Retry-After), except per batch entry.
/// </summary>
public sealed partial class FhirBundleProcessor(
    Database database, IngestRules rules, FhirWriter writer, TimeProvider time, IOptions<IdentitySettings> identity, Metrics metrics,
    ILogger<FhirBundleProcessor> logger)
{
    /// <summary>Order inside a transaction: what others refer to first.</summary>
    private static int WriteOrder(string type) => type switch
    {
        "Patient" => 0,
        "Location" => 1,
        "Encounter" => 2,
        _ => 3,
    };

    public async Task<IResult> WriteSingleAsync(HttpContext context, string type, ReadOnlyMemory<byte> body, WriteRequest request)
    {
        var (resource, parseError) = FhirJson.Parse(body, type);
        if (parseError is not null)
        {
            return await RejectAsync(context, body, parseError).ConfigureAwait(false);
        }

        var interpretation = rules.Interpret(resource!, type);
        if (interpretation.Error is { } ruleError)
        {
            return await RejectAsync(context, body, ruleError).ConfigureAwait(false);
        }

        if (WriteRequests.BodyIdError(request, resource!, type) is { } idError)
        {
            return await RejectAsync(context, body, idError).ConfigureAwait(false);
        }

        var accepted = interpretation.Accept();

        var user = CurrentUser.From(context.User, identity.Value);
        var trail = context.RequestServices.GetRequiredService<AuditTrail>();
        trail.Describe(trail.Action!, type, request.Id, accepted.PatientId);
        WriteOutcome outcome;
        try
        {
            outcome = await database.InTransactionAsync(async (c, tx) =>
            {
                var now = time.GetUtcNow();
                var written = await writer.WriteAsync(c, tx, new WriteCaller(user, type), accepted, request, now, context.RequestAborted).ConfigureAwait(false);
                await AuditWriteAsync(c, tx, WriteOrigin.Of(context, user), trail.Action!, written, now, context.RequestAborted).ConfigureAwait(false);
                return written;
            }, context.RequestAborted).ConfigureAwait(false);
        }
        catch (WriteRefusedException refused)
        {
            trail.Describe(trail.Action!, patientId: refused.PatientId);
            return await RejectAsync(context, body, refused.Error).ConfigureAwait(false);
        }
        catch (Exception e) when (CountedUnavailable(e, type))
        {
            throw; // never reached: the filter counts and declines (the exception handler answers 503)
        }

        trail.MarkWritten();
        Count(outcome);
        return WriteAnswer.For(context, outcome, RevealsStoredBody(user, outcome));
    }

    public async Task<IResult> PostBundleAsync(HttpContext context, ReadOnlyMemory<byte> body)
    {
        var (parsed, parseError) = FhirJson.Parse(body, "Bundle");
        if (parseError is not null)
        {
            return await RejectAsync(context, body, parseError).ConfigureAwait(false);
        }

        var bundle = (Bundle)parsed!;
        return bundle.Type switch
        {
            Bundle.BundleType.Transaction => await TransactionAsync(context, body, bundle).ConfigureAwait(false),
            Bundle.BundleType.Batch => await BatchAsync(context, bundle).ConfigureAwait(false),
            _ => await RejectAsync(context, body, new FhirError(StatusCodes.Status422UnprocessableEntity, FhirOutcomes.Error(
                OperationOutcome.IssueType.NotSupported, "Bundle.type",
                $"Bundle.type '{bundle.TypeElement?.JsonValue ?? "(none)"}' is not accepted here: send batch or transaction"))).ConfigureAwait(false),
        };
    }

    private async Task<IResult> TransactionAsync(HttpContext context, ReadOnlyMemory<byte> body, Bundle bundle)
    {
        var entries = new List<TransactionEntry>();
        var issues = new List<OperationOutcome.IssueComponent>();
        var status = StatusCodes.Status422UnprocessableEntity;
        for (var i = 0; i < bundle.Entry.Count; i++)
        {
            var (entry, error) = Plan(bundle.Entry[i], i);
            if (error is not null)
            {
                issues.AddRange(error.Outcome.Issue);
                status = Math.Min(status, error.StatusCode);
            }
            else
            {
                entries.Add(entry!);
            }
        }

        // Each urn:uuid fullUrl names one entry (bdl-7): references to it must resolve to one resource.
        foreach (var twice in entries.Where(e => e.IsNamedCreate).GroupBy(e => e.FullUrl!, StringComparer.OrdinalIgnoreCase).SelectMany(g => g.Skip(1)))
        {
            issues.Add(FhirOutcomes.ErrorIssue(OperationOutcome.IssueType.Invalid, $"Bundle.entry[{twice.Index}].fullUrl",
                $"Bundle.entry[{twice.Index}].fullUrl '{twice.FullUrl}' names an earlier entry too: each entry needs its own"));
        }

        if (issues.Count > 0)
        {
            return await RejectAsync(context, body, new FhirError(status, new OperationOutcome { Issue = issues })).ConfigureAwait(false);
        }

        var origin = WriteOrigin.Of(context, CurrentUser.From(context.User, identity.Value));
        WriteOutcome?[] result;
        try
        {
            result = await CommitTransactionAsync(entries, bundle.Entry.Count, origin, "fhir.transaction", null, context.RequestAborted).ConfigureAwait(false);
        }
        catch (WriteRefusedException refused)
        {
            origin.Trail.Describe("fhir.transaction", patientId: refused.PatientId);
            return await RejectAsync(context, body, refused.Error).ConfigureAwait(false);
        }

        var response = new Bundle { Type = Bundle.BundleType.TransactionResponse, Id = Guid.NewGuid().ToString("N") };
        response.Entry.AddRange(result.Select(o => ResponseEntry(o!)));
        return FhirHttp.Resource(response);
    }

    /// <summary>
    /// Writes the planned entries of a transaction in one database transaction, all or nothing: references resolved,
    /// each entry written and audited as <paramref name="action"/>, its patients re-graded once, then
    /// <paramref name="alsoInTransaction"/> (the HL7 v2 message log) before the commit. A refused entry throws
    /// <see cref="WriteRefusedException"/> and nothing is written. The outcomes are indexed by entry index.
    /// </summary>
    internal async Task<WriteOutcome?[]> CommitTransactionAsync(
        IReadOnlyList<TransactionEntry> entries, int entryCount, WriteOrigin origin, string action,
        Func<DbConnection, DbTransaction, DateTimeOffset, Task>? alsoInTransaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(origin);
        var ordered = entries.OrderBy(e => WriteOrder(e.Type)).ThenBy(e => e.Index).ToList();
        for (var attempt = 1; ; attempt++)
        {
            // Before the transaction: references resolved on the object model, every entry hashed and serialised once.
            // Only when a target kept being stored concurrently does the last attempt resolve inside the transaction.
            var lastResort = attempt == MaxResolveAttempts;
            try
            {
                var before = lastResort ? default : await TransactionReferences.ResolveAsync(database, entries, cancellationToken).ConfigureAwait(false);
                // A refused entry throws: the whole transaction rolls back, earlier entries included (all or nothing).
                var result = await database.InTransactionAsync(async (c, tx) =>
                {
                    var (accepted, targets) = lastResort
                        ? await TransactionReferences.ResolveAsync(c, tx, entries, cancellationToken).ConfigureAwait(false)
                        : before;
                    var now = time.GetUtcNow();
                    var outcomes = new WriteOutcome?[entryCount];
                    var regrade = new PatientsToRegrade();
                    foreach (var entry in ordered)
                    {
                        var caller = new WriteCaller(origin.User, $"Bundle.entry[{entry.Index}].resource");
                        var written = await writer.WriteAsync(c, tx, caller, accepted[entry.Index], entry.Request, now, cancellationToken, regrade).ConfigureAwait(false);
                        if (targets.TryGetValue(entry.Index, out var target) && written.Saved.Id != target)
                        {
                            throw new ReferenceTargetMovedException();
                        }

                        outcomes[entry.Index] = written;
                        await AuditWriteAsync(c, tx, origin, action, written, now, cancellationToken).ConfigureAwait(false);
                    }

                    await writer.RegradeAsync(c, tx, regrade, now, cancellationToken).ConfigureAwait(false);
                    if (alsoInTransaction is not null)
                    {
                        await alsoInTransaction(c, tx, now).ConfigureAwait(false);
                    }

                    return outcomes;
                }, cancellationToken).ConfigureAwait(false);
                origin.Trail.MarkWritten();
                foreach (var written in result)
                {
                    Count(written!);
                }

                return result;
            }
            catch (ReferenceTargetMovedException) when (attempt < MaxResolveAttempts)
            {
                // A resource an entry is a resend of was stored since the references were resolved: resolve again.
            }
            catch (Exception e) when (CountedUnavailable(e, "Bundle"))
            {
                throw; // never reached: the filter counts and declines (the exception handler answers 503)
            }
        }
    }

    private async Task<IResult> BatchAsync(HttpContext context, Bundle bundle)
    {
        var user = CurrentUser.From(context.User, identity.Value);
        var trail = context.RequestServices.GetRequiredService<AuditTrail>();
        var response = new Bundle { Type = Bundle.BundleType.BatchResponse, Id = Guid.NewGuid().ToString("N") };
        for (var i = 0; i < bundle.Entry.Count; i++)
        {
            var (entry, error) = Plan(bundle.Entry[i], i);
            if (entry is not null)
            {
                try
                {
                    var caller = new WriteCaller(user, $"Bundle.entry[{i}].resource");
                    if (entry.HasConditionalReferences)
                    {
                        // A batch entry stands alone: its conditional references name stored resources only.
                        await using var lookup = await database.OpenAsync(context.RequestAborted).ConfigureAwait(false);
                        await ConditionalReferences.ResolveAsync(lookup, null, [entry], context.RequestAborted).ConfigureAwait(false);
                    }

                    var accepted = entry.Interpretation.Accept();
                    var written = await database.InTransactionAsync(async (c, tx) =>
                    {
                        var now = time.GetUtcNow();
                        var w = await writer.WriteAsync(c, tx, caller, accepted, entry.Request, now, context.RequestAborted).ConfigureAwait(false);
                        await AuditWriteAsync(c, tx, WriteOrigin.Of(context, user), "fhir.batch", w, now, context.RequestAborted).ConfigureAwait(false);
                        return w;
                    }, context.RequestAborted).ConfigureAwait(false);
                    response.Entry.Add(ResponseEntry(written));
                    Count(written);
                    continue;
                }
                catch (WriteRefusedException refused)
                {
                    error = refused.Error;
                    await AuditRefusedEntryAsync(context, trail, user, entry.Type, refused).ConfigureAwait(false);
                }
                catch (DbException e) when (DbErrors.IsUnavailable(e))
                {
                    LogUnavailable(logger, context.TraceIdentifier, e.Message);
                    error = new FhirError(StatusCodes.Status503ServiceUnavailable, FhirOutcomes.Error(
                        OperationOutcome.IssueType.Transient, $"Bundle.entry[{i}]", "The database is unavailable; this entry was not stored, resend it"));
                }
            }

            metrics.Resource(bundle.Entry[i].Resource?.TypeName, Metrics.Outcomes.OfRefusal(error!.StatusCode));
            await KeepRejectedAsync(context, Encoding.UTF8.GetBytes(bundle.Entry[i].Resource is { } r ? FhirJson.Serialize(r) : "{}"), error!).ConfigureAwait(false);
            response.Entry.Add(new Bundle.EntryComponent
            {
                Response = new Bundle.ResponseComponent { Status = Status(error!.StatusCode), Outcome = error.Outcome },
            });
        }

        trail.MarkWritten();
        return FhirHttp.Resource(response);
    }

    /// <summary>Checks one Bundle entry and turns it into a write: request, type, id, rules.</summary>
    internal (TransactionEntry? Entry, FhirError? Error) Plan(Bundle.EntryComponent entry, int index)
    {
        var at = $"Bundle.entry[{index}]";
        if (entry.Resource is not { } resource)
        {
            return (null, Error422($"{at}.resource", "each entry needs a resource"));
        }

        if (entry.Request?.Method is not { } method || entry.Request.Url is not { Length: > 0 } url)
        {
            return (null, Error422($"{at}.request", "each entry needs request.method (POST or PUT) and request.url"));
        }

        var parts = url.Split('?')[0].Trim('/').Split('/');
        var type = resource.TypeName;
        if (!FhirEndpoints.SupportedTypes.Contains(type))
        {
            return (null, new FhirError(StatusCodes.Status422UnprocessableEntity, FhirOutcomes.Error(OperationOutcome.IssueType.NotSupported, $"{at}.resource.resourceType",
                $"{type} is not a type this service keeps (it keeps {string.Join(", ", FhirEndpoints.SupportedTypes)}): leave {type} entries out, "
                + "or send a batch, where each such entry is refused on its own and the others are stored")));
        }

        if (parts[0] != type)
        {
            return (null, Error422($"{at}.request.url", $"request.url '{url}' names {parts[0]}, but the entry's resource is a {type}"));
        }

        (WriteRequest? Request, FhirError? Error) planned = (method, parts.Length) switch
        {
            // Every create is given its id now: a urn:uuid or a conditional reference of another entry may name it.
            (Bundle.HTTPVerb.POST, 1) => WriteRequests.Create(type, entry.Request.IfNoneExist, Guid.NewGuid().ToString("N"), $"{at}.request.ifNoneExist"),
            (Bundle.HTTPVerb.PUT, 1) => WriteRequests.Update(type, null, url.Contains('?', StringComparison.Ordinal) ? url[(url.IndexOf('?', StringComparison.Ordinal) + 1)..] : null,
                entry.Request.IfMatch, $"{at}.request.ifMatch", $"{at}.request.url"),
            (Bundle.HTTPVerb.PUT, 2) => WriteRequests.Update(type, parts[1], null, entry.Request.IfMatch, $"{at}.request.ifMatch", $"{at}.request.url"),
            _ => (null, Error422($"{at}.request", $"{method} {url} is not supported in a Bundle: use POST [type], PUT [type]/[id] or PUT [type]?identifier=system|value")),
        };
        if (planned.Error is { } requestError)
        {
            return (null, requestError);
        }

        var request = planned.Request!;
        if (WriteRequests.BodyIdError(request, resource, $"{at}.resource") is { } idError)
        {
            return (null, idError);
        }

        var interpretation = rules.Interpret(resource, $"{at}.resource");
        if (interpretation.Error is { } ruleError)
        {
            return (null, ruleError);
        }

        var write = new TransactionEntry(index, type, interpretation, request, entry.FullUrl);
        foreach (var notKept in write.ConditionalReferences.Where(r => !FhirEndpoints.SupportedTypes.Contains(r.Type)))
        {
            interpretation.Warn(ConditionalReferences.NotKept(notKept)); // left as sent: a type this service does not keep
        }

        return (write, null);
    }

    /// <summary>
    /// The audit row of one written (or resent) resource, in the write's transaction, naming the patient whose data was
    /// touched; a move to another patient is audited under both.
    /// </summary>
    private static async Task AuditWriteAsync(
        DbConnection c, DbTransaction tx, WriteOrigin origin, string action, WriteOutcome written, DateTimeOffset now, CancellationToken ct)
    {
        var trail = origin.Trail;
        var detail = written.Corrected
            ? $"a correction: the identifier's resource, version {written.Saved.VersionId}" + (written.AlertsMoved is { } a ? $"; {a}" : string.Empty)
            : written.AlertsMoved;
        if (written.MovedFromPatientId is { } from)
        {
            trail.Describe(action, written.ResourceType, written.Saved.Id, from, detail: $"moved to Patient/{written.PatientId}");
            await AuditStore.AppendAsync(c, tx, trail.EntryFor(origin, now, "success"), ct).ConfigureAwait(false);
            detail = (written.Corrected ? "a correction; " : string.Empty)
                + (written.AlertsMoved is { } alerts ? $"moved from Patient/{from}; {alerts}" : $"moved from Patient/{from}");
        }

        // This entry's own detail: the trail keeps the last detail it was given, which may be an earlier entry's of the bundle.
        trail.Describe(action, written.ResourceType, written.Saved.Id, written.PatientId);
        await AuditStore.AppendAsync(c, tx, trail.EntryFor(origin, now, "success") with { Detail = detail }, ct).ConfigureAwait(false);
    }

    /// <summary>A refused batch entry's own audit row (the request's other entries may have been written).</summary>
    private async Task AuditRefusedEntryAsync(HttpContext context, AuditTrail trail, CurrentUser user, string type, WriteRefusedException refused)
    {
        trail.Describe("fhir.batch", type, patientId: refused.PatientId);
        try
        {
            await using var c = await database.OpenAsync(CancellationToken.None).ConfigureAwait(false);
            var outcome = AuditTrail.OutcomeOf(refused.Error.StatusCode);
            await AuditStore.AppendAsync(c, null, trail.EntryFor(context, user, time.GetUtcNow(), outcome), CancellationToken.None).ConfigureAwait(false);
        }
        catch (DbException e)
        {
            LogUnavailable(logger, context.TraceIdentifier, e.Message);
        }
    }

    /// <summary>
    /// Whether the answer may carry the stored resource: always for what the caller has just written or resent; for a
    /// conditional create that found another's resource only to a caller who may read it (never an integration client).
    /// </summary>
    private static bool RevealsStoredBody(CurrentUser user, WriteOutcome outcome) =>
        outcome.StoredIsWhatWasSent || !PatientAccess.IsIntegration(user);

    private static Bundle.EntryComponent ResponseEntry(WriteOutcome o)
    {
        var warnings = o.Warnings.Count == 0 ? null : new OperationOutcome { Issue = [.. o.Warnings] };
        return new Bundle.EntryComponent
        {
            FullUrl = $"{o.ResourceType}/{o.Saved.Id}",
            Response = new Bundle.ResponseComponent
            {
                Status = o.Created ? "201 Created" : "200 OK",
                Location = $"{o.ResourceType}/{o.Saved.Id}/_history/{o.Saved.VersionId}",
                Etag = $"W/\"{o.Saved.VersionId}\"",
                LastModified = o.Saved.LastUpdated,
                Outcome = warnings,
            },
        };
    }

    /// <summary>Answers an error and keeps the payload with its OperationOutcome for the interface team.</summary>
    public async Task<IResult> RejectAsync(HttpContext context, ReadOnlyMemory<byte>? body, FhirError error)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(error);
        metrics.Resource(context.Request.RouteValues["type"] as string ?? "Bundle", Metrics.Outcomes.OfRefusal(error.StatusCode));
        if (error.StatusCode is not (StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden))
        {
            await KeepRejectedAsync(context, body, error).ConfigureAwait(false);
        }

        return FhirHttp.Error(error);
    }

    private async Task KeepRejectedAsync(HttpContext context, ReadOnlyMemory<byte>? body, FhirError error)
    {
        try
        {
            var user = CurrentUser.From(context.User, identity.Value);
            var text = body is { } b ? RejectedPayloadStore.BodyText(b.Span) : string.Empty;
            var payload = context.RequestServices.GetRequiredService<Limits.RejectedPayloadAllowance>().Apply(new RejectedPayload(
                time.GetUtcNow(), user.Subject, context.Request.Method, context.Request.Path.Value ?? string.Empty,
                context.Request.ContentType, error.StatusCode, text, FhirJson.Serialize(error.Outcome)), body is { } kept ? kept.Span : default);
            await using var c = await database.OpenAsync(CancellationToken.None).ConfigureAwait(false);
            await RejectedPayloadStore.AppendAsync(c, null, payload, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (DbErrors.IsDatabaseFailure(e))
        {
            LogUnavailable(logger, context.TraceIdentifier, e.Message);
        }
    }

    /// <summary>Counts a stored (or resent) resource and the readings its version gave.</summary>
    private void Count(WriteOutcome written)
    {
        metrics.Resource(written.ResourceType, written.Saved.Kind switch
        {
            SaveKind.Created => Metrics.Outcomes.Created,
            SaveKind.Updated => Metrics.Outcomes.Updated,
            _ => Metrics.Outcomes.Unchanged,
        });
        metrics.Readings(written.ResourceType, written.Readings);
    }

    /// <summary>An exception filter: counts a write the database could not take, and never catches.</summary>
    private bool CountedUnavailable(Exception e, string type)
    {
        if (DbErrors.IsUnavailable(e))
        {
            metrics.Resource(type, Metrics.Outcomes.Unavailable);
        }

        return false;
    }

    private static FhirError Error422(string expression, string text) =>
        new(StatusCodes.Status422UnprocessableEntity, FhirOutcomes.Error(OperationOutcome.IssueType.Invalid, expression, text));

    private static string Status(int code) => code.ToString(CultureInfo.InvariantCulture) + " " + code switch
    {
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        422 => "Unprocessable Entity",
        503 => "Service Unavailable",
        _ => "Error",
    };

    /// <summary>How often a transaction resolves its references (the last time inside its transaction, where no target can move).</summary>
    private const int MaxResolveAttempts = 3;

    [LoggerMessage(Level = LogLevel.Error, Message = "Database unavailable during FHIR write ({CorrelationId}): {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string correlationId, string reason);

    /// <summary>A resend target of a transaction's urn:uuid references was stored after they were resolved (the transaction starts again).</summary>
    private sealed class ReferenceTargetMovedException() : Exception("a urn:uuid reference target was stored concurrently");
}
