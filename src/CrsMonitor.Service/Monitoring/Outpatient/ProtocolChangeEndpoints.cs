using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Monitoring.Protocols;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Storage;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Monitoring.Outpatient;

/// <summary>
/// <c>GET /api/units/{unit}/protocol-changes</c> (nurses and physicians of the unit): before a new label version takes
/// effect, which of the unit's patients it would give other windows at their next dose (<see cref="ProtocolChanges"/>).
/// Read-only and audited (<c>unit.protocol-changes</c>); an empty list when no version is pending.
/// </summary>
public static class ProtocolChangeEndpoints
{
    public static void MapProtocolChangeEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/units/{unit}/protocol-changes", PreviewAsync).RequireAuthorization(Policies.ClinicalStaff);

    private static async Task<IResult> PreviewAsync(
        string unit, HttpContext context, Database database, TimeProvider time, IOptions<IdentitySettings> identity, ProtocolCatalog catalog,
        MonitoringProcessor processor)
    {
        context.RequestServices.GetRequiredService<AuditTrail>().Describe("unit.protocol-changes", "Location", unit);
        var user = CurrentUser.From(context.User, identity.Value);
        if (!PatientAccess.MayAccessUnit(user, unit))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, detail: $"Unit {unit} is not in your token");
        }

        var now = time.GetUtcNow();
        var today = processor.LocalDate(now);
        var pending = ProtocolChanges.Pending(catalog, today);
        var patients = new List<PatientProtocolChange>();
        if (pending.Count > 0)
        {
            await using var connection = await database.OpenAsync(context.RequestAborted).ConfigureAwait(false);
            foreach (var patient in await PatientStore.PatientsOfUnitAsync(connection, unit, context.RequestAborted).ConfigureAwait(false))
            {
                var doses = await MonitoringStore.DosesAsync(connection, null, patient.PatientId, context.RequestAborted).ConfigureAwait(false);
                if (doses.Count == 0)
                {
                    continue;
                }

                var episodes = await MonitoringStore.EpisodesAsync(connection, null, patient.PatientId, context.RequestAborted).ConfigureAwait(false);
                foreach (var version in pending)
                {
                    if (ProtocolChanges.For(catalog, version, patient.PatientId, patient.DisplayName, doses, episodes, today, processor.LocalDate) is { } change)
                    {
                        patients.Add(change);
                    }
                }
            }
        }

        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new ProtocolChangePreview(unit, now, today, pending, patients));
    }
}
