using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Monitoring.Protocols;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Storage;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Research.SiteView;

/// <summary>
/// <c>GET /api/research/incidence[?drug=]</c> (<see cref="Policies.SiteView"/>: physicians and researchers; nurses,
/// administrators and integration clients 403): the cumulative incidence of CRS and ICANS by hours since the infusion
/// start, per protocol drug and step-up dose, across all the site's patients, beside the label's median onset. It holds
/// no patient data (aggregate only), so it is site-wide, not per unit. Every request is audited
/// (<c>research.incidence</c>, no patient).
/// </summary>
public static class SiteViewEndpoints
{
    public const string Path = "/api/research/incidence";
    public const string AuditAction = "research.incidence";
    private const string DrugParameter = "drug";

    public static IServiceCollection AddSiteView(this IServiceCollection services)
    {
        services.AddStrictSettings<SiteViewSettings>(SiteViewSettings.SectionName)
            .Validate(s => s.Problems().Count == 0, $"{SiteViewSettings.SectionName} settings are not valid: {SiteViewSettings.SectionName}:{nameof(SiteViewSettings.HorizonHours)} must be from 1 to 8760");
        return services;
    }

    public static void MapSiteViewEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet(Path, IncidenceAsync).RequireAuthorization(Policies.SiteView);

    private static async Task<IResult> IncidenceAsync(
        HttpContext context, Database database, ProtocolCatalog catalog, MonitoringProcessor processor, TimeProvider time, IOptions<SiteViewSettings> settings)
    {
        var query = context.Request.Query;
        var drug = query.TryGetValue(DrugParameter, out var given) ? given.ToString() : null;
        context.RequestServices.GetRequiredService<AuditTrail>().Describe(AuditAction, "SiteView", detail: drug is null ? null : $"drug={StoredText.Clean(drug, 100)}");
        if (Refusal(query, catalog) is { } refused)
        {
            return refused;
        }

        var now = time.GetUtcNow();
        await using var connection = await database.OpenAsync(context.RequestAborted).ConfigureAwait(false);
        var doses = await SiteViewStore.DosesAsync(connection, context.RequestAborted).ConfigureAwait(false);
        var onsets = await SiteViewStore.OnsetsAsync(connection, context.RequestAborted).ConfigureAwait(false);
        var report = SiteIncidence.Compute(catalog, doses, onsets, now, processor.LocalDate(now), settings.Value.HorizonHours, drug);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(IncidenceDocument.From(report));
    }

    /// <summary>A 400 naming the query parameter: one that is not <c>drug</c>, <c>drug</c> twice or empty, or a drug with no protocol file.</summary>
    private static Microsoft.AspNetCore.Http.HttpResults.ValidationProblem? Refusal(IQueryCollection query, ProtocolCatalog catalog)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var key in query.Keys.Where(k => k != DrugParameter))
        {
            errors[key] = [$"is not a parameter of {Path} (the only one is '{DrugParameter}')"];
        }

        if (query.TryGetValue(DrugParameter, out var values))
        {
            var known = SiteIncidence.Drugs(catalog);
            var problem = values.Count > 1 ? "is given more than once"
                : string.IsNullOrEmpty(values[0]) ? $"is empty: give a protocol drug ({string.Join(", ", known)}), or leave it out for all"
                : !known.Contains(values[0], StringComparer.Ordinal) ? $"'{StoredText.Clean(values[0], 100)}' is not a drug with a protocol file here ({string.Join(", ", known)})"
                : null;
            if (problem is not null)
            {
                errors[DrugParameter] = [problem];
            }
        }

        return errors.Count == 0 ? null : TypedResults.ValidationProblem(
            errors, title: "Invalid query", detail: "Each key of 'errors' is a query parameter, with what is wrong with it.");
    }
}
