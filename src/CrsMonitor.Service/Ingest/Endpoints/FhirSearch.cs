using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Storage;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Ingest.Endpoints;

/// <summary>
/// <c>GET /fhir/Observation?patient=&amp;code=&amp;date=</c>: the patient's stored Observations and derived grade
/// Observations, filtered by code and effective time, in the order of <see cref="SearchKey"/> (effective time, then id),
/// <c>_count</c> per page (default 500, at most 5000) with <c>self</c>, <c>first</c>, <c>previous</c> and <c>next</c>
/// links (keyset paging: <see cref="PageCursor"/>); <c>_count=0</c> or <c>_summary=count</c> answers the total only.
/// <c>patient</c> is required (unit scoping). Parameters: <see cref="ObservationQuery"/>.
/// </summary>
public static class FhirSearch
{
    public static async Task<IResult> SearchObservationsAsync(HttpContext context, Database database, IOptions<IdentitySettings> identity)
    {
        var trail = context.RequestServices.GetRequiredService<AuditTrail>();
        trail.Describe("fhir.search", "Observation");
        var lenient = PreferHandling.IsLenient(context.Request);
        var (query, error) = ObservationQuery.Parse(context.Request.Query, lenient);
        if (error is not null)
        {
            return FhirHttp.Error(error);
        }

        var patientId = query!.PatientId;
        trail.Describe("fhir.search", "Observation", patientId: patientId);
        await using var connection = await database.OpenAsync(context.RequestAborted).ConfigureAwait(false);
        var user = CurrentUser.From(context.User, identity.Value);
        if (!await PatientAccess.AllowsAsync(connection, user, PatientDataUse.Read, patientId, context.RequestAborted).ConfigureAwait(false))
        {
            return FhirHttp.Error(FhirHttp.Forbidden($"Patient/{patientId} is not on your units"));
        }

        var matches = new List<(SearchKey Key, Observation Observation)>();
        foreach (var stored in await FhirResourceStore.ListForPatientAsync(connection, "Observation", patientId, context.RequestAborted).ConfigureAwait(false))
        {
            if (FhirJson.Parse(System.Text.Encoding.UTF8.GetBytes(stored.Body), "Observation").Resource is Observation o
                && query.Matches(o.Code) && EffectiveOf(o) is var at && query.Matches(at))
            {
                matches.Add((SearchKey.Of(at, stored.Id), o));
            }
        }

        var timeline = await GradeStore.TimelineAsync(connection, patientId, null, null, null, context.RequestAborted).ConfigureAwait(false);
        foreach (var row in timeline)
        {
            var o = GradeObservations.From(row);
            if (query.Matches(o.Code) && query.Matches(row.EffectiveAt))
            {
                matches.Add((SearchKey.Of(row.EffectiveAt, o.Id!), o));
            }
        }

        matches.Sort((a, b) => a.Key.CompareTo(b.Key));
        var keys = matches.ConvertAll(m => m.Key);
        var window = SearchPaging.Window(keys, query);
        var bundle = new Bundle { Type = Bundle.BundleType.Searchset, Id = Guid.NewGuid().ToString("N"), Total = matches.Count };
        bundle.Link.AddRange(SearchPaging.Links(context.Request, query, keys, window));
        bundle.Entry.AddRange(matches[window].Select(m => new Bundle.EntryComponent
        {
            FullUrl = $"Observation/{m.Observation.Id}",
            Resource = m.Observation,
            Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match },
        }));
        if (lenient)
        {
            context.Response.Headers["Preference-Applied"] = PreferHandling.Lenient;
        }

        return FhirHttp.Resource(bundle);
    }

    private static DateTimeOffset? EffectiveOf(Observation o) => o.Effective switch
    {
        FhirDateTime dt when dt.TryToDateTimeOffset(out var at) => at,
        Period { StartElement: { } start } when start.TryToDateTimeOffset(out var at) => at,
        _ => null,
    };
}
