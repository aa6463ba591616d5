using System.Data.Common;
using CrsMonitor.Grading;
using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Monitoring.Protocols;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Storage;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Assessment;

/// <summary>
/// <c>GET /api/patients/{id}/status</c> and <c>GET /api/units/{unit}/patients</c> (api-contract.md): the current CRS
/// and ICANS grade of a patient, graded at "now" so stale inputs count as stale, with the basis of each grade, the
/// episodes, the monitoring windows, the check schedule and monitoring events, and (with the alerting issue) open alerts. Nurses and physicians of the patient's unit.
/// </summary>
public static class PatientStatusEndpoints
{
    public static IServiceCollection AddPatientStatus(this IServiceCollection services)
    {
        services.AddSingleton<GradeRecalculator>();
        services.AddSingleton<PatientWork>();
        services.AddStrictSettings<ContinuousGradingSettings>(ContinuousGradingSettings.SectionName);
        services.AddSingleton<IValidateOptions<ContinuousGradingSettings>, ContinuousGradingSettingsValidator>();
        return services;
    }

    public static void MapPatientStatusEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/patients/{id}/status", StatusAsync).RequireAuthorization(Policies.ClinicalStaff);
        app.MapGet("/api/units/{unit}/patients", CensusAsync).RequireAuthorization(Policies.ClinicalStaff);
    }

    private static async Task<IResult> StatusAsync(
        string id, HttpContext context, Database database, TimeProvider time, IOptions<IdentitySettings> identity,
        IOptions<GradingSettings> grading, IOptions<ContinuousGradingSettings> continuous, ProtocolCatalog catalog,
        IOptions<Alerts.AlertSettings> alertSettings, IOptions<Monitoring.Outpatient.PreFeverWatchSettings> watch)
    {
        context.RequestServices.GetRequiredService<AuditTrail>().Describe("patient.status", "Patient", id, id);
        await using var connection = await database.OpenAsync(context.RequestAborted).ConfigureAwait(false);
        var user = CurrentUser.From(context.User, identity.Value);
        if (!await FhirResourceStore.ExistsAsync(connection, null, "Patient", id, context.RequestAborted).ConfigureAwait(false))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"Patient {id} is not known");
        }

        if (!await PatientAccess.AllowsAsync(connection, user, PatientDataUse.Read, id, context.RequestAborted).ConfigureAwait(false))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, detail: $"Patient {id} is not on your units");
        }

        var now = time.GetUtcNow();
        var (crs, icans) = await CurrentAsync(connection, id, now, grading.Value, continuous.Value, context.RequestAborted).ConfigureAwait(false);
        var episodes = await GradeStore.EpisodesAsync(connection, id, context.RequestAborted).ConfigureAwait(false);
        var monitoring = await MonitoringView.ReadAsync(connection, catalog, id, now, context.RequestAborted).ConfigureAwait(false);
        var devices = await Devices.DeviceStreamsView.ReadAsync(connection, id, now, context.RequestAborted).ConfigureAwait(false);
        var outpatient = await Monitoring.Outpatient.OutpatientView.ReadAsync(connection, id, monitoring.Windows, watch.Value, now, context.RequestAborted).ConfigureAwait(false);

        // The open alerts (raised or acknowledged), newest first: the documents GET /api/patients/{id}/alerts returns.
        var alerts = (await Alerts.AlertStore.OfPatientAsync(connection, null, id, context.RequestAborted).ConfigureAwait(false))
            .Where(a => a.State != Alerts.AlertState.Resolved)
            .OrderByDescending(a => a.RaisedAt)
            .Select(a => a.ToDocument(null, alertSettings.Value))
            .ToList();
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new PatientStatus(
            id, now, crs, icans,
            [.. episodes.Select(e => new EpisodeResponse(e.Scale.Code(), e.OnsetAt, e.MaxGrade, e.MaxAt, e.ResolvedAt,
                System.Text.Json.JsonSerializer.Deserialize<IReadOnlyList<string>>(e.TreatmentsJson) ?? []))],
            monitoring.Windows, monitoring.Checks, alerts, monitoring.Doses, monitoring.Events,
            outpatient.Setting, outpatient.Outpatient, outpatient.PreFeverWatch, outpatient.PreFeverWatches)
        {
            Streams = devices.Streams, DeviceWear = devices.Wear,
        });
    }

    private static async Task<IResult> CensusAsync(
        string unit, HttpContext context, Database database, TimeProvider time, IOptions<IdentitySettings> identity,
        IOptions<GradingSettings> grading, IOptions<ContinuousGradingSettings> continuous, ProtocolCatalog catalog,
        IOptions<Monitoring.Outpatient.PreFeverWatchSettings> watch)
    {
        context.RequestServices.GetRequiredService<AuditTrail>().Describe("unit.census", "Location", unit);
        var user = CurrentUser.From(context.User, identity.Value);
        if (!PatientAccess.MayAccessUnit(user, unit))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, detail: $"Unit {unit} is not in your token");
        }

        await using var connection = await database.OpenAsync(context.RequestAborted).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var rows = new List<CensusRow>();
        foreach (var patient in await PatientStore.PatientsOfUnitAsync(connection, unit, context.RequestAborted).ConfigureAwait(false))
        {
            var (crs, icans) = await CurrentAsync(connection, patient.PatientId, now, grading.Value, continuous.Value, context.RequestAborted).ConfigureAwait(false);
            var monitoring = await MonitoringView.ReadAsync(connection, catalog, patient.PatientId, now, context.RequestAborted).ConfigureAwait(false);
            var window = monitoring.Windows.Where(w => w.State is not ("closed" or "completed") && w.Setting != MonitoringSettingKind.Proximity).MinBy(w => w.LatestEnd)
                ?? monitoring.Windows.Where(w => w.State is not ("closed" or "completed")).MinBy(w => w.LatestEnd);
            var devices = await Devices.DeviceStreamsView.ReadAsync(connection, patient.PatientId, now, context.RequestAborted).ConfigureAwait(false);
            var outpatient = await Monitoring.Outpatient.OutpatientView.ReadAsync(connection, patient.PatientId, monitoring.Windows, watch.Value, now, context.RequestAborted).ConfigureAwait(false);
            rows.Add(new CensusRow(
                patient.PatientId, patient.DisplayName, patient.BirthDate, Brief(crs), Brief(icans), window,
                monitoring.Checks.NextDue, monitoring.Checks.Overdue.Count,
                outpatient.Setting, outpatient.Outpatient, outpatient.PreFeverWatch,
                monitoring.Windows.Count(w => w.State is not ("closed" or "completed") && w.Attestation?.State == "missing")) { NoData = devices.NoData });
        }

        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new Census(unit, now, rows));
    }

    internal static async Task<(StatusGrade Crs, StatusGrade Icans)> CurrentAsync(
        DbConnection connection, string patientId, DateTimeOffset now, GradingSettings grading, ContinuousGradingSettings continuous, CancellationToken ct)
    {
        // From the latest checkpoint at or before now, over its bounded readings (the whole course only without one).
        var (facts, seed, readings) = await GradingState.LoadAsync(connection, null, patientId, now, continuous, ct).ConfigureAwait(false);
        var (crs, icans) = GradeTimeline.At(facts, readings, now, grading, continuous, seed);
        return (StatusGrade.From(GradePointDocument.From(crs)), StatusGrade.From(GradePointDocument.From(icans)));
    }

    internal static GradeBrief Brief(StatusGrade g) => new(g.Status, g.Grade, g.Reason, g.Flags, g.Gaps);
}

/// <summary>The status endpoint's answer.</summary>
/// <remarks><c>alerts</c> is filled by the alerting issue; <c>doses</c> and <c>monitoringEvents</c> are additions to the contract.</remarks>
public sealed record PatientStatus(
    string PatientId, DateTimeOffset AsOf, StatusGrade Crs, StatusGrade Icans, IReadOnlyList<EpisodeResponse> Episodes,
    IReadOnlyList<WindowView> Windows, ChecksView Checks, IReadOnlyList<Alerts.AlertDocument> Alerts, IReadOnlyList<DoseView> Doses,
    IReadOnlyList<EventView> MonitoringEvents, string? Setting = null, bool Outpatient = false,
    Monitoring.Outpatient.PreFeverWatchView? PreFeverWatch = null, IReadOnlyList<Monitoring.Outpatient.PreFeverWatchView>? PreFeverWatches = null)
{
    /// <summary>The enrolled device streams with their last data and state (issue 17; an addition to the contract).</summary>
    public IReadOnlyList<Devices.StreamView> Streams { get; init; } = [];

    /// <summary>Wear time per window open now and enrolled device (issue 17; an addition to the contract).</summary>
    public IReadOnlyList<Devices.WearView> DeviceWear { get; init; } = [];
}

/// <summary>
/// A current grade: the calculator's fields plus when, and its basis (inputs with time and source) and stale or missing
/// inputs; <c>gaps</c> (an addition to the contract) are the stale or missing inputs with the time of the last one.
/// </summary>
public sealed record StatusGrade(
    string Status, int? Grade, string? Reason, IReadOnlyList<string> Flags, IReadOnlyList<RuleResponse> Rules,
    IReadOnlyList<DomainResponse> Domains, IReadOnlyList<InputResponse> Inputs, IReadOnlyList<string> Missing, string System,
    DateTimeOffset At, IReadOnlyList<BasisResponse> Basis, IReadOnlyList<string> StaleOrMissing, IReadOnlyList<InputGap> Gaps)
{
    public static StatusGrade From(GradePointDocument d)
    {
        ArgumentNullException.ThrowIfNull(d);
        var r = d.Result;
        return new StatusGrade(r.Status, r.Grade, r.Reason, r.Flags, r.Rules, r.Domains, r.Inputs, r.Missing, r.System, d.At, d.Basis, d.StaleOrMissing,
            InputGap.From(d.Basis, d.StaleOrMissing));
    }
}

public sealed record EpisodeResponse(string Scale, DateTimeOffset Onset, int MaxGrade, DateTimeOffset TimeOfMax, DateTimeOffset? Resolution, IReadOnlyList<string> Treatments);

public sealed record Census(string Unit, DateTimeOffset AsOf, IReadOnlyList<CensusRow> Patients);

/// <summary>
/// A census row: grades, the window that ends first of those still running (its countdown), the next check due, overdue
/// checks; issue 17: the patient's current setting, whether it is outpatient, the current pre-fever watch and the number
/// of running windows whose caregiver attestation is missing.
/// </summary>
public sealed record CensusRow(
    string PatientId, string? DisplayName, DateOnly? BirthDate, GradeBrief Crs, GradeBrief Icans, WindowView? Window, DateTimeOffset? NextCheckDue, int OverdueChecks,
    string? Setting = null, bool Outpatient = false, Monitoring.Outpatient.PreFeverWatchView? PreFeverWatch = null, int AttestationsMissing = 0)
{
    /// <summary>The signals with a data gap inside an open window, and since when; null when none (issue 17; an addition).</summary>
    public Devices.NoDataSummary? NoData { get; init; }
}

/// <summary>A census grade; <c>gaps</c> (an addition to the contract): its stale or missing inputs, as in the status.</summary>
public sealed record GradeBrief(string Status, int? Grade, string? Reason, IReadOnlyList<string> Flags, IReadOnlyList<InputGap> Gaps);
