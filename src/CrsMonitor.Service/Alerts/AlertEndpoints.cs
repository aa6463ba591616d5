using System.Text.Json;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Readings;
using CrsMonitor.Service.Storage;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Alerts;

/// <summary>
/// The alerts HTTP API (nurses and physicians of the alert's unit): <c>GET /api/units/{unit}/alerts[?state=all]</c>,
/// <c>GET /api/patients/{id}/alerts</c> (with every action: the audit of acknowledgements),
/// <c>POST /api/alerts/{id}/acknowledge</c>, <c>POST /api/alerts/{id}/resolve</c> (optional body <c>{"note"}</c>), and
/// the patient chart's series <c>GET /api/patients/{id}/chart</c>.
/// </summary>
public static class AlertEndpoints
{
    public static void MapAlertEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/units/{unit}/alerts", UnitAlertsAsync).RequireAuthorization(Policies.ClinicalStaff);
        app.MapGet("/api/patients/{id}/alerts", PatientAlertsAsync).RequireAuthorization(Policies.ClinicalStaff);
        app.MapPost("/api/alerts/{id}/acknowledge", (string id, HttpContext context, Database database, AlertService alerts, TimeProvider time, IOptions<IdentitySettings> identity, IOptions<AlertSettings> settings) =>
            ActAsync(id, "acknowledged", context, database, alerts, time, identity, settings)).RequireAuthorization(Policies.ClinicalStaff);
        app.MapPost("/api/alerts/{id}/resolve", (string id, HttpContext context, Database database, AlertService alerts, TimeProvider time, IOptions<IdentitySettings> identity, IOptions<AlertSettings> settings) =>
            ActAsync(id, "resolved", context, database, alerts, time, identity, settings)).RequireAuthorization(Policies.ClinicalStaff);
        app.MapGet("/api/patients/{id}/chart", ChartAsync).RequireAuthorization(Policies.ClinicalStaff);
    }

    private static async Task<IResult> UnitAlertsAsync(string unit, string? state, HttpContext context, Database database, IOptions<IdentitySettings> identity, IOptions<AlertSettings> settings)
    {
        context.RequestServices.GetRequiredService<AuditTrail>().Describe("alert.list", "Location", unit);
        if (!AlertUnit.MayBeSeenBy(CurrentUser.From(context.User, identity.Value), unit))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, detail: $"Unit {unit} is not in your token");
        }

        if (state is not (null or "open" or "all"))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, detail: "state must be open (the default) or all");
        }

        await using var connection = await database.OpenAsync(context.RequestAborted).ConfigureAwait(false);
        var lastSeq = await AlertStore.LastSeqAsync(connection, unit, context.RequestAborted).ConfigureAwait(false);
        var rows = await AlertStore.OfUnitAsync(connection, unit, state == "all", context.RequestAborted).ConfigureAwait(false);
        var names = (await PatientStore.PatientsOfUnitAsync(connection, unit, context.RequestAborted).ConfigureAwait(false))
            .ToDictionary(p => p.PatientId, p => p.DisplayName, StringComparer.Ordinal);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new UnitAlerts(unit, lastSeq, [.. rows.Select(r => r.ToDocument(names.GetValueOrDefault(r.PatientId), settings.Value))]));
    }

    private static async Task<IResult> PatientAlertsAsync(string id, HttpContext context, Database database, IOptions<IdentitySettings> identity, IOptions<AlertSettings> settings)
    {
        context.RequestServices.GetRequiredService<AuditTrail>().Describe("alert.patient", "Patient", id, id);
        await using var connection = await database.OpenAsync(context.RequestAborted).ConfigureAwait(false);
        if (await RefuseAsync(connection, context, identity.Value, id).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        var rows = await AlertStore.OfPatientAsync(connection, null, id, context.RequestAborted).ConfigureAwait(false);
        var actions = await AlertStore.ActionsOfPatientAsync(connection, id, context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers.CacheControl = "no-store";
        // Each alert as in the schema, plus "actions": every step of its life (the audit of acknowledgements).
        var list = new System.Text.Json.Nodes.JsonArray();
        foreach (var r in rows.OrderByDescending(r => r.RaisedAt))
        {
            var node = JsonSerializer.SerializeToNode(r.ToDocument(null, settings.Value), AlertDocument.Json)!.AsObject();
            node["actions"] = JsonSerializer.SerializeToNode(
                actions.Where(a => a.AlertId == r.Id).Select(a => new AlertActionView(a.Action, a.At, a.ByUser, a.Role, a.Note)).ToList(), AlertDocument.Json);
            list.Add(node);
        }

        return TypedResults.Json(new System.Text.Json.Nodes.JsonObject { ["patientId"] = id, ["alerts"] = list }, AlertDocument.Json);
    }

    private static async Task<IResult> ActAsync(
        string id, string action, HttpContext context, Database database, AlertService alerts, TimeProvider time, IOptions<IdentitySettings> identity, IOptions<AlertSettings> settings)
    {
        var trail = context.RequestServices.GetRequiredService<AuditTrail>();
        trail.Describe(action == "acknowledged" ? "alert.acknowledge" : "alert.resolve", "Alert", id);
        var user = CurrentUser.From(context.User, identity.Value);
        string? note = null;
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            var (document, failure) = await JsonBody.ReadAsync(context.Request, 8 * 1024, context.RequestAborted).ConfigureAwait(false);
            if (failure is not null)
            {
                return failure;
            }

            using (document)
            {
                var errors = new ValidationErrors();
                var body = JsonObjectReader.Open(document!.RootElement, string.Empty, errors);
                note = body?.Text("note", 1000);
                body?.RejectUnknownFields();
                if (errors.Any)
                {
                    return errors.ToResult();
                }
            }
        }

        await using (var connection = await database.OpenAsync(context.RequestAborted).ConfigureAwait(false))
        {
            var alert = await AlertStore.ByIdAsync(connection, null, id, context.RequestAborted).ConfigureAwait(false);
            if (alert is null)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"Alert {id} is not known");
            }

            trail.Describe(trail.Action!, "Alert", id, alert.PatientId, note);
            if (!AlertUnit.MayBeSeenBy(user, alert.Unit))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, detail: $"Alert {id} belongs to unit {alert.Unit}, which is not in your token");
            }
        }

        var result = await database.InTransactionAsync<IResult>(async (c, tx) =>
        {
            var alert = (await AlertService.LockedAsync(c, tx, id, context.RequestAborted).ConfigureAwait(false))!;
            if (alert.State == AlertState.Resolved || (action == "acknowledged" && alert.State == AlertState.Acknowledged))
            {
                return TypedResults.Conflict(new { detail = $"Alert {id} is already {alert.State.Code()} (by {alert.ResolvedBy ?? alert.AcknowledgedBy} at {alert.ResolvedAt ?? alert.AcknowledgedAt:O})", alert = alert.ToDocument(null, settings.Value) });
            }

            var role = user.Roles.Contains(Roles.Physician) ? Roles.Physician : Roles.Nurse;
            await alerts.AcknowledgeOrResolveAsync(c, tx, alert, action, user.Subject ?? "unknown", role, note, time.GetUtcNow(), context.RequestAborted).ConfigureAwait(false);
            return TypedResults.Ok(alert.ToDocument(null, settings.Value));
        }, context.RequestAborted).ConfigureAwait(false);
        return result;
    }

    /// <summary>The series of the patient page's chart: vital signs, oxygen, ICE, the grade steps and the doses.</summary>
    private static async Task<IResult> ChartAsync(string id, DateTimeOffset? from, DateTimeOffset? to, HttpContext context, Database database, IOptions<IdentitySettings> identity)
    {
        context.RequestServices.GetRequiredService<AuditTrail>().Describe("patient.chart", "Patient", id, id);
        await using var connection = await database.OpenAsync(context.RequestAborted).ConfigureAwait(false);
        if (await RefuseAsync(connection, context, identity.Value, id).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        var readings = await ReadingStore.SearchAsync(connection, null, id, null, from, to, context.RequestAborted).ConfigureAwait(false);
        var grades = await GradeStore.TimelineAsync(connection, id, null, from, to, context.RequestAborted).ConfigureAwait(false);
        var doses = await MonitoringStore.DosesAsync(connection, null, id, context.RequestAborted).ConfigureAwait(false);
        IReadOnlyList<ChartPoint> Series(ReadingKind kind) => [.. readings.Where(r => r.Kind == kind && r.Value is not null).OrderBy(r => r.EffectiveAt).Select(r => new ChartPoint(r.EffectiveAt, r.Value!.Value))];
        var ice = readings.Where(r => r.Kind == ReadingKind.NeuroCheck && r.Detail is not null).OrderBy(r => r.EffectiveAt)
            .Select(r => (r.EffectiveAt, Detail: r.Detail!.NeuroCheck))
            .Where(x => (x.Detail?.IceItems?.Total ?? x.Detail?.IceScore) is not null)
            .Select(x => new ChartPoint(x.EffectiveAt, (x.Detail!.IceItems?.Total ?? x.Detail.IceScore)!.Value))
            .ToList();
        var oxygen = readings.Where(r => r.Kind is ReadingKind.OxygenDevice or ReadingKind.OxygenFlow).OrderBy(r => r.EffectiveAt)
            .Select(r => new OxygenPoint(r.EffectiveAt, r.Kind == ReadingKind.OxygenDevice ? r.Code : null, r.Kind == ReadingKind.OxygenFlow ? r.Value : null))
            .ToList();
        IReadOnlyList<GradeStepView> Steps(Scale scale) => [.. grades.Where(g => g.Scale == scale).Select(g => new GradeStepView(g.EffectiveAt, g.Grade, g.Status))];
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new Chart(
            id, from, to, Series(ReadingKind.Temperature), Series(ReadingKind.SystolicBp), Series(ReadingKind.Spo2), oxygen, ice,
            new ChartGrades(Steps(Scale.Crs), Steps(Scale.Icans)),
            [.. doses.Select(d => new DoseMarker(d.StartedAt, d.EndedAt, d.Place?.ToString(), d.DrugKey))]));
    }

    private static async Task<IResult?> RefuseAsync(System.Data.Common.DbConnection connection, HttpContext context, IdentitySettings identity, string patientId)
    {
        if (!await FhirResourceStore.ExistsAsync(connection, null, "Patient", patientId, context.RequestAborted).ConfigureAwait(false))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"Patient {patientId} is not known");
        }

        return await PatientAccess.AllowsAsync(connection, CurrentUser.From(context.User, identity), PatientDataUse.Read, patientId, context.RequestAborted).ConfigureAwait(false)
            ? null
            : TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, detail: $"Patient {patientId} is not on your units");
    }

    public sealed record UnitAlerts(string Unit, long LastSeq, IReadOnlyList<AlertDocument> Alerts);

    public sealed record AlertActionView(string Action, DateTimeOffset At, string By, string Role, string? Note);

    public sealed record Chart(
        string PatientId, DateTimeOffset? From, DateTimeOffset? To, IReadOnlyList<ChartPoint> Temperature, IReadOnlyList<ChartPoint> SystolicBp,
        IReadOnlyList<ChartPoint> Spo2, IReadOnlyList<OxygenPoint> Oxygen, IReadOnlyList<ChartPoint> Ice, ChartGrades Grades, IReadOnlyList<DoseMarker> Doses);

    public sealed record ChartPoint(DateTimeOffset At, decimal Value);

    public sealed record OxygenPoint(DateTimeOffset At, string? Device, decimal? FlowLitresPerMinute);

    public sealed record ChartGrades(IReadOnlyList<GradeStepView> Crs, IReadOnlyList<GradeStepView> Icans);

    public sealed record GradeStepView(DateTimeOffset At, int? Grade, string Status);

    public sealed record DoseMarker(DateTimeOffset At, DateTimeOffset? End, string? Place, string Drug);
}
