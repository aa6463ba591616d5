using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Research.Deidentification;
using CrsMonitor.Service.Research.Episodes;
using CrsMonitor.Service.Research.Export;

namespace CrsMonitor.Service.Research.Csv;

/// <summary>
/// <c>GET /api/research/episodes.csv</c>: every toxicity episode of the cohort, de-identified, one row each;
/// <c>GET /api/research/episodes-dictionary.csv</c>: what each column holds and the CIBMTR question it answers. The
/// researcher role only (403 for everyone else, clinicians included: they see identified data on the chart); every
/// download audited with the number of rows.
/// </summary>
public static class EpisodeCsvEndpoints
{
    public const string ContentType = "text/csv; charset=utf-8";

    public static void MapEpisodeCsvEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/research/episodes.csv", EpisodesAsync).RequireAuthorization(Policies.Research);
        app.MapGet("/api/research/episodes-dictionary.csv", Dictionary).RequireAuthorization(Policies.Research);
    }

    private static async Task<Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult> EpisodesAsync(HttpContext context, ResearchCohort cohort, Deidentifier deid, TimeProvider time, AuditTrail audit)
    {
        var records = new List<EpisodeRecord>();
        var patients = 0;
        await foreach (var patient in cohort.ReadAsync(time.GetUtcNow(), context.RequestAborted).ConfigureAwait(false))
        {
            patients++;
            records.AddRange(patient.Episodes);
        }

        audit.Describe("research.episodes-csv", detail: $"{records.Count} episodes of {patients} patients, de-identified");
        return TypedResults.Text(EpisodeCsv.Episodes(records, deid), ContentType);
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult Dictionary(AuditTrail audit)
    {
        audit.Describe("research.episodes-dictionary");
        return TypedResults.Text(EpisodeCsv.Dictionary(), ContentType);
    }
}
