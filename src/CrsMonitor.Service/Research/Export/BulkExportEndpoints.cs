using System.Globalization;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Ingest;
using CrsMonitor.Service.Ingest.Endpoints;
using CrsMonitor.Service.Storage;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Research.Export;

/// <summary>
/// FHIR Bulk Data Access (IG v2.0.0) system-level export for the researcher role, under <c>/fhir</c>:
/// <c>GET $export</c> (kick-off: 202 + Content-Location), <c>GET $export-status/{id}</c> (202 + X-Progress +
/// Retry-After while it is built, 200 + the manifest + Expires when complete, 500 + OperationOutcome when it failed),
/// <c>DELETE $export-status/{id}</c> (202: the build stops, the files go), <c>GET $export-file/{id}/{name}</c> (the
/// NDJSON). Researchers only (Policies.Research; everyone else 403); an export is its researcher's alone (another's id is
/// 404, as an unknown one is); every request audited (patient none).
/// </summary>
public static class BulkExportEndpoints
{
    public const string KickOffPath = "/$export";
    public const string StatusPath = "/$export-status";
    public const string FilePath = "/$export-file";
    public const string KickOffAction = "export-kick-off";
    public const string StatusAction = "export-status";
    public const string FileAction = "export-file";
    public const string DeleteAction = "export-delete";

    /// <summary>Retry-After of a 429 kick-off, in seconds.</summary>
    public const int BusyRetryAfterSeconds = 30;

    public const string NdjsonMediaType = "application/fhir+ndjson";

    public static void MapBulkExportEndpoints(this IEndpointRouteBuilder app)
    {
        var fhir = app.MapGroup(FhirEndpoints.Base).AddEndpointFilter<FhirFormatFilter>().RequireAuthorization(Policies.Research);

        // Display names: the audit row of a request refused before its endpoint ran (401, 403) names the step too.
        fhir.MapGet(KickOffPath, KickOffAsync).WithDisplayName(KickOffAction);
        fhir.MapGet(StatusPath + "/{id}", StatusAsync).WithDisplayName(StatusAction);
        fhir.MapDelete(StatusPath + "/{id}", DeleteAsync).WithDisplayName(DeleteAction);
        fhir.MapGet(FilePath + "/{id}/{name}", FileAsync).WithDisplayName(FileAction).WithMetadata(NdjsonResponse.Metadata);
    }

    private static async Task<IResult> KickOffAsync(
        HttpContext context, [FromServices] IResearchExportContent content, Database database, ExportWorker worker, AuditTrail trail,
        TimeProvider time, IOptions<ResearchExportSettings> settings, IOptions<IdentitySettings> identity)
    {
        trail.Describe(KickOffAction);
        var request = context.Request;
        if (!KickOffRequest.AsksRespondAsync(request.Headers["Prefer"]))
        {
            return FhirHttp.Error(KickOffRequest.PreferMissing());
        }

        var (types, error) = KickOffRequest.Parse(request.Query, content.ResourceTypes);
        if (error is not null)
        {
            return FhirHttp.Error(error);
        }

        if (OwnerOf(context, identity.Value) is not { } owner)
        {
            return FhirHttp.Error(NoSubject());
        }

        var now = Instants.Stored(time.GetUtcNow());
        var id = Guid.NewGuid().ToString("N");
        var job = new ExportJob(
            id, owner, $"{FhirUrls.BaseOf(request)}{KickOffPath}{request.QueryString.Value}", types!, ExportStatus.Queued, now, now,
            null, null, null, null, null);
        trail.Describe(KickOffAction, detail: $"_type={string.Join(",", types!)}");
        var max = settings.Value.MaxConcurrentPerRequester;
        if (!await ExportStore.TryQueueAsync(database, job, max, context.RequestAborted).ConfigureAwait(false))
        {
            context.Response.Headers.RetryAfter = BusyRetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            return FhirHttp.Error(new FhirError(StatusCodes.Status429TooManyRequests, FhirOutcomes.Error(OperationOutcome.IssueType.Throttled, "$export",
                $"You have {max} exports in progress, the most one researcher may have at once (ResearchExport:MaxConcurrentPerRequester): wait for one to finish or DELETE one, then kick off again")));
        }

        trail.Describe(KickOffAction, resourceId: id);
        worker.Wake();
        context.Response.Headers.ContentLocation = StatusUrl(request, id);
        return FhirHttp.Resource(
            FhirOutcomes.Outcome([FhirOutcomes.Information(null, $"Export {id} accepted ({string.Join(", ", types!)}): poll the Content-Location for its status")]),
            StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> StatusAsync(
        string id, HttpContext context, Database database, AuditTrail trail, TimeProvider time, IOptions<IdentitySettings> identity)
    {
        trail.Describe(StatusAction, resourceId: Shown(id));
        var job = await FindOwnAsync(id, context, database, time, identity.Value).ConfigureAwait(false);
        if (job is null)
        {
            return FhirHttp.Error(Unknown(id));
        }

        switch (job.Status)
        {
            case ExportStatus.Queued or ExportStatus.Running:
                context.Response.Headers["X-Progress"] = job.Status == ExportStatus.Queued
                    ? "queued: waiting for a worker"
                    : $"running: building the files since {ExportManifest.Instant(job.ClaimedAt ?? job.RequestedAt)}";
                context.Response.Headers.RetryAfter = ((int)ExportWorker.PollInterval.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                return TypedResults.StatusCode(StatusCodes.Status202Accepted);
            case ExportStatus.Failed:
                return FhirHttp.Error(new FhirError(StatusCodes.Status500InternalServerError, FhirOutcomes.Error(
                    OperationOutcome.IssueType.Exception, "$export", $"Export {job.Id} failed: {job.Error}")));
            case ExportStatus.Completed:
                return await ManifestAsync(job, context, database).ConfigureAwait(false);
            default:
                return FhirHttp.Error(Unknown(id)); // cancelled: never visible (FindOwnAsync)
        }
    }

    /// <summary>200: the manifest of a completed export, its file URLs on the address the client used, and its expiry.</summary>
    private static async Task<IResult> ManifestAsync(ExportJob job, HttpContext context, Database database)
    {
        IReadOnlyList<StoredExportFile> files;
        await using (var connection = await database.OpenAsync(context.RequestAborted).ConfigureAwait(false))
        {
            files = await ExportFileStore.ListAsync(connection, job.Id, context.RequestAborted).ConfigureAwait(false);
        }

        context.Response.Headers.Expires = job.ExpiresAt!.Value.ToString("R", CultureInfo.InvariantCulture);
        var fileBase = $"{FhirUrls.BaseOf(context.Request)}{FilePath}/{job.Id}/";
        return TypedResults.Content(ExportManifest.For(job, files, name => fileBase + name), "application/json; charset=utf-8");
    }

    private static async Task<IResult> DeleteAsync(
        string id, HttpContext context, Database database, ExportRuns runs, AuditTrail trail, TimeProvider time, IOptions<IdentitySettings> identity)
    {
        trail.Describe(DeleteAction, resourceId: Shown(id));
        if (OwnerOf(context, identity.Value) is not { } owner)
        {
            return FhirHttp.Error(NoSubject());
        }

        if (!IsExportId(id) || !await ExportStore.TryCancelAsync(database, id, owner, time.GetUtcNow(), context.RequestAborted).ConfigureAwait(false))
        {
            return FhirHttp.Error(Unknown(id));
        }

        runs.Cancel(id);
        return FhirHttp.Resource(
            FhirOutcomes.Outcome([FhirOutcomes.Information(null, $"Export {id} deleted: its build is stopped and its files are gone")]),
            StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> FileAsync(
        string id, string name, HttpContext context, Database database, AuditTrail trail, TimeProvider time, IOptions<IdentitySettings> identity)
    {
        trail.Describe(FileAction, resourceId: Shown(id), detail: Shown(name));
        var job = NdjsonFiles.IsFileName(name) ? await FindOwnAsync(id, context, database, time, identity.Value).ConfigureAwait(false) : null;
        string? text = null;
        if (job is { Status: ExportStatus.Completed })
        {
            await using var connection = await database.OpenAsync(context.RequestAborted).ConfigureAwait(false);
            text = await ExportFileStore.ReadAsync(connection, job.Id, name, context.RequestAborted).ConfigureAwait(false);
        }

        return text is null
            ? FhirHttp.Error(FhirHttp.NotFound("$export-file", $"There is no file '{Shown(name)}' of an export '{Shown(id)}' of yours: unknown, deleted, not complete or past its expiry"))
            : TypedResults.Bytes(System.Text.Encoding.UTF8.GetBytes(text), NdjsonMediaType);
    }

    /// <summary>The export <paramref name="id"/> if it is the caller's and they may still see it; null otherwise (whoever else's it is).</summary>
    private static async Task<ExportJob?> FindOwnAsync(string id, HttpContext context, Database database, TimeProvider time, IdentitySettings identity)
    {
        if (!IsExportId(id) || OwnerOf(context, identity) is not { } owner)
        {
            return null;
        }

        await using var connection = await database.OpenAsync(context.RequestAborted).ConfigureAwait(false);
        var job = await ExportStore.FindAsync(connection, id, context.RequestAborted).ConfigureAwait(false);
        return job is not null && job.RequestedBy == owner && job.IsVisibleAt(time.GetUtcNow()) ? job : null;
    }

    /// <summary>Whose exports the caller's are: the token's subject (at most 256 characters), or null when it has none.</summary>
    private static string? OwnerOf(HttpContext context, IdentitySettings identity) =>
        CurrentUser.From(context.User, identity).Subject is { Length: > 0 and <= 256 } subject ? subject : null;

    private static bool IsExportId(string id) => id is { Length: 32 } && id.All(char.IsAsciiHexDigitLower);

    private static string StatusUrl(HttpRequest request, string id) => $"{FhirUrls.BaseOf(request)}{StatusPath}/{id}";

    /// <summary>A route value as quoted back: at most 100 characters (an address may be 8 KB).</summary>
    private static string Shown(string value) => value.Length <= 100 ? value : value[..100] + "...";

    private static FhirError Unknown(string id) =>
        FhirHttp.NotFound("$export-status", $"There is no export '{Shown(id)}' of yours: unknown, deleted or past its expiry");

    private static FhirError NoSubject() => new(StatusCodes.Status403Forbidden, FhirOutcomes.Error(OperationOutcome.IssueType.Forbidden, "$export",
        "An export belongs to the token's subject (sub), which this token lacks or has longer than 256 characters"));
}
