using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Ingest;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Monitoring.Protocols;

/// <summary>
/// Registers the protocol catalog (loaded and checked at start-up: a broken protocol file stops the service with a
/// message naming the file, the JSON path and the problem) and the admin endpoints <c>GET /api/protocols</c> (what
/// is loaded) and <c>GET /api/protocols/{id}</c> (one file exactly as published); which version applies to a
/// patient's doses is patient data, for the clinicians of the patient's unit only.
/// </summary>
public static partial class ProtocolEndpoints
{
    public static IServiceCollection AddProtocols(this IServiceCollection services)
    {
        services.AddStrictSettings<ProtocolSettings>(ProtocolSettings.SectionName);
        services.AddSingleton<IValidateOptions<ProtocolSettings>, ProtocolSettingsValidator>();
        services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<IOptions<ProtocolSettings>>().Value;
            var files = ProtocolLoader.Load(settings.Directory ?? ProtocolLoader.DefaultDirectory, sp.GetRequiredService<IngestData>());
            return new ProtocolCatalog(files, settings.Jurisdiction, settings.DefaultDrug);
        });
        services.AddHostedService<ProtocolCatalogCheck>();
        return services;
    }

    public static void MapProtocolEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/protocols", List).RequireAuthorization(p => p.RequireRole(Roles.Admin));
        app.MapGet("/api/protocols/{id}", Read).RequireAuthorization(p => p.RequireRole(Roles.Admin));
        app.MapGet("/api/patients/{id}/protocols", OfPatientAsync).RequireAuthorization(Policies.ClinicalStaff);
    }

    /// <summary>
    /// <c>GET /api/patients/{id}/protocols</c> (nurses and physicians of the patient's unit; an administrator sees no
    /// patient data, so 403 like integration clients): for each recorded dose of a protocol drug, the protocol version
    /// that applies to it (by drug, the dose's local date and the jurisdiction), and the version that applies today for
    /// each drug the patient has had.
    /// </summary>
    private static async Task<IResult> OfPatientAsync(
        string id, HttpContext context, Storage.Database database, ProtocolCatalog catalog, Schedule.MonitoringProcessor processor, TimeProvider time,
        IOptions<IdentitySettings> identity)
    {
        context.RequestServices.GetRequiredService<AuditTrail>().Describe("protocol.patient", "Patient", id, id);
        await using var connection = await database.OpenAsync(context.RequestAborted).ConfigureAwait(false);
        if (!await Storage.FhirResourceStore.ExistsAsync(connection, null, "Patient", id, context.RequestAborted).ConfigureAwait(false))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"Patient {id} is not known");
        }

        if (!await PatientAccess.AllowsAsync(connection, CurrentUser.From(context.User, identity.Value), PatientDataUse.Read, id, context.RequestAborted).ConfigureAwait(false))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, detail: $"Patient {id} is not on your units");
        }

        var doses = await Schedule.MonitoringStore.DosesAsync(connection, null, id, context.RequestAborted).ConfigureAwait(false);
        var today = processor.LocalDate(time.GetUtcNow());
        return TypedResults.Ok(new PatientProtocols(
            id, catalog.DefaultJurisdiction,
            [.. doses.Select(d => new DoseProtocol(d.Id, d.DrugKey, d.Place?.ToString(), d.StartedAt, processor.LocalDate(d.StartedAt), d.ProtocolId,
                d.ProtocolId is { } pid ? catalog.Find(pid)?.Protocol.Version : null))],
            [.. doses.Select(d => d.DrugKey).Distinct(StringComparer.Ordinal).Select(drug => new DrugProtocol(
                drug, today, catalog.ApplicableTo(drug, today)?.Id, catalog.ApplicableTo(drug, today)?.Version))]));
    }

    public sealed record PatientProtocols(string PatientId, string Jurisdiction, IReadOnlyList<DoseProtocol> Doses, IReadOnlyList<DrugProtocol> Today);

    public sealed record DoseProtocol(string DoseId, string Drug, string? Place, DateTimeOffset StartedAt, DateOnly LocalDate, string? ProtocolId, string? Version);

    public sealed record DrugProtocol(string Drug, DateOnly Date, string? ProtocolId, string? Version);

    private static Ok<ProtocolList> List(HttpContext context, ProtocolCatalog catalog)
    {
        context.RequestServices.GetRequiredService<AuditTrail>().Describe("protocol.list", "Protocol");
        return TypedResults.Ok(new ProtocolList(catalog.DefaultJurisdiction, [.. catalog.Files.Select(f => new ProtocolSummary(
            f.Protocol.Id, f.Protocol.Title, f.Protocol.Drug.Key, f.Protocol.Jurisdiction, f.Protocol.Version, f.Protocol.LabelVersion,
            f.Protocol.EffectiveFrom, catalog.EffectiveUntil(f.Protocol), new SourceSummary(f.Protocol.Source.Document, f.Protocol.Source.Sections),
            f.Sha256))]));
    }

    private static IResult Read(string id, HttpContext context, ProtocolCatalog catalog)
    {
        context.RequestServices.GetRequiredService<AuditTrail>().Describe("protocol.read", "Protocol", id);
        if (catalog.Find(id) is not { } file)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"Protocol {id} is not loaded (GET /api/protocols lists those that are)");
        }

        context.Response.Headers.ETag = $"\"{file.Sha256}\"";
        return TypedResults.Bytes(file.Json, "application/json");
    }

    /// <summary><c>GET /api/protocols</c>: every loaded version; effectiveUntil is the next version's effectiveFrom (null: the latest).</summary>
    public sealed record ProtocolList(string DefaultJurisdiction, IReadOnlyList<ProtocolSummary> Protocols);

    public sealed record ProtocolSummary(
        string Id, string Title, string Drug, string Jurisdiction, string Version, string LabelVersion,
        DateOnly EffectiveFrom, DateOnly? EffectiveUntil, SourceSummary Source, string Sha256);

    public sealed record SourceSummary(string Document, IReadOnlyList<string> Sections);

    /// <summary>Loads the catalog before the service answers (a broken file throws) and logs what was loaded.</summary>
    private sealed partial class ProtocolCatalogCheck(IServiceProvider services, ILogger<ProtocolCatalogCheck> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            var catalog = services.GetRequiredService<ProtocolCatalog>();
            foreach (var file in catalog.Files)
            {
                LogLoaded(logger, file.Protocol.Id, file.Protocol.Drug.Key, file.Protocol.Jurisdiction, file.Protocol.Version,
                    file.Protocol.EffectiveFrom, file.Path, file.Sha256);
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(Level = LogLevel.Information,
            Message = "Protocol {Id} loaded: {Drug} ({Jurisdiction}) version {Version}, effective from {EffectiveFrom:yyyy-MM-dd}, file {Path}, SHA-256 {Sha256}")]
        private static partial void LogLoaded(ILogger logger, string id, string drug, string jurisdiction, string version, DateOnly effectiveFrom, string path, string sha256);
    }
}
