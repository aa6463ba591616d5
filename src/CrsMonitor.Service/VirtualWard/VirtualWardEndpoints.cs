using CrsMonitor.Grading;
using CrsMonitor.Service.Alerts;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Devices;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Monitoring.Outpatient;
using CrsMonitor.Service.Monitoring.Protocols;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Storage;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.VirtualWard;

/// <summary>
/// <c>GET /api/units/{unit}/virtual-ward</c> (issue 17): the remote nurse's view of the unit's patients monitored outside
/// the hospital (a running window at home, in an observation clinic or in proximity) or wearing an enrolled device: last
/// data per signal, gaps, wear time, the pre-fever watch and open alerts, most urgent first. Nurses and physicians of the
/// unit; audited as <c>unit.virtual-ward</c>.
/// </summary>
public static class VirtualWardEndpoints
{
    public static void MapVirtualWardEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/units/{unit}/virtual-ward", WardAsync).RequireAuthorization(Policies.ClinicalStaff);

    private static async Task<IResult> WardAsync(
        string unit, HttpContext context, Database database, TimeProvider time, IOptions<IdentitySettings> identity, ProtocolCatalog catalog,
        IOptions<GradingSettings> grading, IOptions<ContinuousGradingSettings> continuous, IOptions<PreFeverWatchSettings> watch,
        IOptions<AlertSettings> alertSettings)
    {
        context.RequestServices.GetRequiredService<AuditTrail>().Describe("unit.virtual-ward", "Location", unit);
        if (!PatientAccess.MayAccessUnit(CurrentUser.From(context.User, identity.Value), unit))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, detail: $"Unit {unit} is not in your token");
        }

        var ct = context.RequestAborted;
        await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var rows = new List<VirtualWardRow>();
        foreach (var patient in await PatientStore.PatientsOfUnitAsync(connection, unit, ct).ConfigureAwait(false))
        {
            var monitoring = await MonitoringView.ReadAsync(connection, catalog, patient.PatientId, now, ct).ConfigureAwait(false);
            var outpatient = await OutpatientView.ReadAsync(connection, patient.PatientId, monitoring.Windows, watch.Value, now, ct).ConfigureAwait(false);
            var devices = await DeviceStreamsView.ReadAsync(connection, patient.PatientId, now, ct).ConfigureAwait(false);
            if (!outpatient.Outpatient && devices.Streams.Count == 0)
            {
                continue; // on the ward in the hospital, with no device: the census shows them
            }

            var (crs, icans) = await PatientStatusEndpoints.CurrentAsync(connection, patient.PatientId, now, grading.Value, continuous.Value, ct).ConfigureAwait(false);
            var last = await LastReadingStore.OfPatientAsync(connection, patient.PatientId, ct).ConfigureAwait(false);
            var alerts = (await AlertStore.OfPatientAsync(connection, null, patient.PatientId, ct).ConfigureAwait(false))
                .Where(a => a.State != AlertState.Resolved)
                .OrderByDescending(a => a.RaisedAt)
                .Select(a => a.ToDocument(null, alertSettings.Value))
                .ToList();
            var window = monitoring.Windows.Where(w => w.State is not ("closed" or "completed" or "superseded")).MinBy(w => w.LatestEnd);
            rows.Add(new VirtualWardRow(
                patient.PatientId, patient.DisplayName, outpatient.Setting, window, PatientStatusEndpoints.Brief(crs), PatientStatusEndpoints.Brief(icans),
                WardSignals.Of(last, devices.Streams), devices.Wear, devices.NoData, outpatient.PreFeverWatch, alerts));
        }

        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new VirtualWardDocument(unit, now, WardOrder.MostUrgentFirst(rows)));
    }
}
