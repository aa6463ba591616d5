using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Storage;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Ingest.Endpoints;

/// <summary>
/// The FHIR R4 endpoint, base <c>/fhir</c> (api-contract.md): metadata; create, conditional create, update, read and
/// vread of the seven supported types; batch and transaction Bundles; Observation search. Every error is an
/// OperationOutcome naming the element; 2xx only after commit; rejected payloads are kept for the interface team.
/// </summary>
public static class FhirEndpoints
{
    public const string Base = "/fhir";
    public const string WritePolicy = "fhir-write";

    public static readonly IReadOnlyList<string> SupportedTypes =
        ["Patient", "Location", "Encounter", "Observation", "MedicationAdministration", "MedicationStatement", "QuestionnaireResponse"];

    public static readonly IReadOnlyList<string> ConditionalCreateTypes = ["Observation", "MedicationAdministration", "MedicationStatement", "QuestionnaireResponse"];

    public static IServiceCollection AddFhirEndpoints(this IServiceCollection services)
    {
        services.AddSingleton<FhirWriter>();
        services.AddSingleton<FhirBundleProcessor>();
        services.AddScoped<AuditTrail>();
        services.AddAuthorizationBuilder().AddPolicy(WritePolicy, p => p.RequireAuthenticatedUser()
            .RequireRole(Roles.Integration, Roles.Nurse, Roles.Physician));
        return services;
    }

    public static void MapFhirEndpoints(this IEndpointRouteBuilder app)
    {
        var fhir = app.MapGroup(Base).AddEndpointFilter<FhirFormatFilter>();
        fhir.MapGet("/metadata", Capabilities.AnswerAsync).AllowAnonymous();
        fhir.MapPost("/", PostBundleAsync).RequireAuthorization(WritePolicy);
        fhir.MapPost("/{type}", CreateAsync).RequireAuthorization(WritePolicy);
        fhir.MapPut("/{type}/{id}", UpdateAsync).RequireAuthorization(WritePolicy);
        fhir.MapPut("/{type}", ConditionalUpdateAsync).RequireAuthorization(WritePolicy);
        fhir.MapGet("/Observation", FhirSearch.SearchObservationsAsync).RequireAuthorization(Policies.ClinicalStaff);
        fhir.MapGet("/{type}/{id}", ReadAsync).RequireAuthorization(Policies.ClinicalStaff);
        fhir.MapGet("/{type}/{id}/_history/{vid}", ReadVersionAsync).RequireAuthorization(Policies.ClinicalStaff);
    }

    private static Task<IResult> CreateAsync(string type, HttpContext context, FhirBundleProcessor processor) =>
        WriteOneAsync(context, processor, type, "fhir.create", null,
            WriteRequests.Create(type, context.Request.Headers["If-None-Exist"].FirstOrDefault()));

    private static Task<IResult> UpdateAsync(string type, string id, HttpContext context, FhirBundleProcessor processor) =>
        WriteOneAsync(context, processor, type, "fhir.update", id,
            WriteRequests.Update(type, id, null, context.Request.Headers.IfMatch.FirstOrDefault(), "If-Match", "Resource.id"));

    /// <summary><c>PUT [type]?identifier=system|value</c>: the search is the query string as sent.</summary>
    private static Task<IResult> ConditionalUpdateAsync(string type, HttpContext context, FhirBundleProcessor processor) =>
        WriteOneAsync(context, processor, type, "fhir.update", null,
            WriteRequests.Update(type, null, context.Request.QueryString.Value?.TrimStart('?'), context.Request.Headers.IfMatch.FirstOrDefault(), "If-Match", type));

    private static async Task<IResult> WriteOneAsync(
        HttpContext context, FhirBundleProcessor processor, string type, string action, string? id, (WriteRequest? Request, FhirError? Error) parsed)
    {
        var trail = context.RequestServices.GetRequiredService<AuditTrail>();
        trail.Describe(action, type, id);
        if (!SupportedTypes.Contains(type))
        {
            return await processor.RejectAsync(context, null, UnsupportedType(type)).ConfigureAwait(false);
        }

        if (parsed.Error is { } requestError)
        {
            return await processor.RejectAsync(context, null, requestError).ConfigureAwait(false);
        }

        var (body, error) = await FhirHttp.ReadBodyAsync(context.Request, FhirHttp.MaxResourceBytes, context.RequestAborted).ConfigureAwait(false);
        if (error is not null)
        {
            return await processor.RejectAsync(context, null, error).ConfigureAwait(false);
        }

        return await processor.WriteSingleAsync(context, type, body, parsed.Request!).ConfigureAwait(false);
    }

    private static async Task<IResult> PostBundleAsync(HttpContext context, FhirBundleProcessor processor)
    {
        context.RequestServices.GetRequiredService<AuditTrail>().Describe("fhir.bundle", "Bundle");
        var (body, error) = await FhirHttp.ReadBodyAsync(context.Request, FhirHttp.MaxBundleBytes, context.RequestAborted).ConfigureAwait(false);
        return error is not null
            ? await processor.RejectAsync(context, null, error).ConfigureAwait(false)
            : await processor.PostBundleAsync(context, body).ConfigureAwait(false);
    }

    private static Task<IResult> ReadAsync(string type, string id, HttpContext context, Database database, IOptions<IdentitySettings> identity) =>
        ReadCoreAsync(type, id, null, context, database, identity);

    private static Task<IResult> ReadVersionAsync(string type, string id, string vid, HttpContext context, Database database, IOptions<IdentitySettings> identity) =>
        ReadCoreAsync(type, id, vid, context, database, identity);

    private static async Task<IResult> ReadCoreAsync(string type, string id, string? vid, HttpContext context, Database database, IOptions<IdentitySettings> identity)
    {
        var trail = context.RequestServices.GetRequiredService<AuditTrail>();
        trail.Describe(vid is null ? "fhir.read" : "fhir.vread", type, id);
        if (!SupportedTypes.Contains(type))
        {
            return FhirHttp.Error(UnsupportedType(type));
        }

        int? version = null;
        if (vid is not null)
        {
            if (!int.TryParse(vid, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) || v < 1)
            {
                return FhirHttp.Error(FhirHttp.NotFound("Resource.meta.versionId", $"'{vid}' is not a version of {type}/{id}"));
            }

            version = v;
        }

        await using var connection = await database.OpenAsync(context.RequestAborted).ConfigureAwait(false);
        var stored = version is { } ver
            ? await FhirResourceStore.ReadVersionAsync(connection, type, id, ver, context.RequestAborted).ConfigureAwait(false)
            : await FhirResourceStore.ReadAsync(connection, type, id, context.RequestAborted).ConfigureAwait(false);
        if (stored is null)
        {
            return FhirHttp.Error(FhirHttp.NotFound($"{type}.id", $"{type}/{id}{(version is null ? string.Empty : $"/_history/{version}")} is not known"));
        }

        // The patient of the version read: a vread of a version from before a move belongs to the patient it named then.
        var user = CurrentUser.From(context.User, identity.Value);
        var patientId = version is null ? (type == "Patient" ? stored.Id : stored.PatientId) : PatientOfStoredBody(type, stored.Body);
        trail.Describe(trail.Action!, patientId: patientId);
        if (patientId is not null && !await PatientAccess.AllowsAsync(connection, user, PatientDataUse.Read, patientId, context.RequestAborted).ConfigureAwait(false))
        {
            return FhirHttp.Error(FhirHttp.Forbidden($"{type}/{id} belongs to a patient who is not on your units"));
        }

        // Conditional only now that the caller may read it: a 304 must tell no one else that it exists or is unchanged.
        SetVersionHeaders(context.Response, stored.VersionId, stored.LastUpdated);
        var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        return ConditionalRead.IsNotModified(context.Request, stored.VersionId, stored.LastUpdated, now)
            ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
            : FhirHttp.Json(stored.Body);
    }

    /// <summary>The patient a stored version is about, read from that version's own body (its subject, or a Patient's id).</summary>
    private static string? PatientOfStoredBody(string type, string body)
    {
        var (resource, error) = FhirJson.Parse(System.Text.Encoding.UTF8.GetBytes(body), type);
        return error is null ? Normaliser.PatientIdOf(resource!) : throw new InvalidOperationException($"A stored {type} version no longer parses: {error.Outcome.Issue.FirstOrDefault()?.Diagnostics}");
    }

    public static void SetVersionHeaders(HttpResponse response, int versionId, DateTimeOffset lastUpdated)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.ETag = $"W/\"{versionId}\"";
        response.Headers.LastModified = lastUpdated.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
    }

    public static FhirError UnsupportedType(string type) => new(StatusCodes.Status404NotFound, FhirOutcomes.Error(
        OperationOutcome.IssueType.NotSupported, "Resource.resourceType",
        $"'{type}' is not supported here; supported: {string.Join(", ", SupportedTypes)} (see /fhir/metadata)"));
}

/// <summary>FHIR id syntax: [A-Za-z0-9\-\.]{1,64}.</summary>
public static class FhirIds
{
    public static bool IsValid(string id) =>
        id is { Length: >= 1 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.');
}
