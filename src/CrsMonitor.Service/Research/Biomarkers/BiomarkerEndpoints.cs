using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Ingest;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Research.Scores;
using CrsMonitor.Service.Storage;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Research.Biomarkers;

/// <summary>
/// <c>GET /api/patients/{id}/biomarkers</c> (issue 16): the patient's laboratory results and the research scores EASIX and
/// m-EASIX, for the chart's biomarker panel. Nurses and physicians of the patient's unit (the <c>ClinicalStaff</c> policy and
/// <see cref="PatientAccess"/>, as the status endpoint); audited as <c>patient.biomarkers</c>; 404 for an unknown patient,
/// 403 for another unit's. Labs never change a grade (CRS-ORGAN): nothing here writes or grades.
/// </summary>
public static class BiomarkerEndpoints
{
    /// <summary>Registers the section <c>Biomarkers</c> (strict, checked at start-up). Call <see cref="MapBiomarkerEndpoints"/> after Build.</summary>
    public static IServiceCollection AddBiomarkers(this IServiceCollection services)
    {
        services.AddStrictSettings<BiomarkerSettings>(BiomarkerSettings.SectionName);
        services.AddSingleton<IValidateOptions<BiomarkerSettings>, BiomarkerSettingsValidator>();
        return services;
    }

    public static void MapBiomarkerEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/patients/{id}/biomarkers", BiomarkersAsync).RequireAuthorization(Policies.ClinicalStaff);

    private static async Task<IResult> BiomarkersAsync(
        string id, HttpContext context, Database database, IOptions<IdentitySettings> identity, IOptions<BiomarkerSettings> settings, IngestData data)
    {
        context.RequestServices.GetRequiredService<AuditTrail>().Describe("patient.biomarkers", "Patient", id, id);
        await using var connection = await database.OpenAsync(context.RequestAborted).ConfigureAwait(false);
        if (!await FhirResourceStore.ExistsAsync(connection, null, "Patient", id, context.RequestAborted).ConfigureAwait(false))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"Patient {id} is not known");
        }

        var user = CurrentUser.From(context.User, identity.Value);
        if (!await PatientAccess.AllowsAsync(connection, user, PatientDataUse.Read, id, context.RequestAborted).ConfigureAwait(false))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, detail: $"Patient {id} is not on your units");
        }

        var labs = await BiomarkerReadings.OfPatientAsync(connection, id, context.RequestAborted).ConfigureAwait(false);
        var doses = await MonitoringStore.DosesAsync(connection, null, id, context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(BiomarkersView.Build(id, labs, doses.Select(d => new ScoreDose(d.Id, d.DrugKey, d.StartedAt)), data.Labs, settings.Value));
    }
}
