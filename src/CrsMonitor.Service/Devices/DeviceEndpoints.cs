using System.Data.Common;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Storage;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Devices;

/// <summary>
/// Device enrolment (issue 17), for the nurses and physicians of the patient's unit, every request audited:
/// <list type="bullet">
/// <item><c>POST /api/patients/{id}/devices</c> <c>{device, signals: [{signal, everySeconds}], graceSeconds?, reason?}</c>: enrol a
/// device (201); the same device already enrolled for the patient: 409;</item>
/// <item><c>GET /api/patients/{id}/devices</c>: the patient's enrolments, running and ended;</item>
/// <item><c>DELETE /api/patients/{id}/devices/{enrolmentId}</c>: end an enrolment (200; 404 unknown for this patient; 409 ended).</item>
/// </list>
/// Each change runs the patient pass in its transaction (a gap of an ended enrolment is over; a new one is due).
/// </summary>
public static class DeviceEndpoints
{
    public const int MaxBodyBytes = 16 * 1024;
    private const int ReasonLength = 1000;

    public static IServiceCollection AddDevices(this IServiceCollection services)
    {
        services.AddStrictSettings<DeviceSettings>(DeviceSettings.SectionName);
        services.AddSingleton<IValidateOptions<DeviceSettings>, DeviceSettingsValidator>();
        services.AddSingleton<DeviceStreams>();
        services.AddSingleton<DeviceGapWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<DeviceGapWorker>());
        return services;
    }

    public static void MapDeviceEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/patients/{id}/devices", EnrolAsync).RequireAuthorization(Policies.ClinicalStaff);
        app.MapGet("/api/patients/{id}/devices", ListAsync).RequireAuthorization(Policies.ClinicalStaff);
        app.MapDelete("/api/patients/{id}/devices/{enrolmentId}", EndAsync).RequireAuthorization(Policies.ClinicalStaff);
    }

    private static async Task<IResult> EnrolAsync(string id, HttpContext context, [AsParameters] Services s)
    {
        s.Trail.Describe("device.enrol", "Patient", id, id);
        if (await RefuseAsync(context, s, id, PatientDataUse.ClinicianAction).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        var (document, failure) = await JsonBody.ReadAsync(context.Request, MaxBodyBytes, context.RequestAborted).ConfigureAwait(false);
        if (failure is not null)
        {
            return failure;
        }

        using (document)
        {
            var errors = new ValidationErrors();
            var body = JsonObjectReader.Open(document!.RootElement, string.Empty, errors);
            if (body is null)
            {
                return errors.ToResult();
            }

            var device = body.Text("device", Ingest.DeviceIdentity.MaxLength)?.Trim();
            var grace = body.Integer("graceSeconds", 0, DeviceSettings.MaxSeconds) ?? s.Settings.Value.GraceSeconds;
            var reason = body.Text("reason", ReasonLength);
            var signals = new List<(string Signal, int Every)>();
            if (string.IsNullOrEmpty(device) && !errors.Has(body.PathOf("device")))
            {
                errors.Add(body.PathOf("device"), "is required: the device's identifier as the Observations name it (system|value), or its reference (Device/<id>)");
            }

            if (body.Array("signals", Signals.All.Count) is { } items)
            {
                foreach (var (item, path) in items)
                {
                    var signalBody = JsonObjectReader.Open(item, path, errors);
                    if (signalBody is null)
                    {
                        continue;
                    }

                    var signal = signalBody.Text("signal", 40);
                    var every = signalBody.Integer("everySeconds", 1, DeviceSettings.MaxSeconds);
                    signalBody.RejectUnknownFields();
                    if (signal is null && !errors.Has(signalBody.PathOf("signal")))
                    {
                        errors.Add(signalBody.PathOf("signal"), $"is required: one of {string.Join(", ", Signals.All)}");
                    }
                    else if (signal is not null && !Signals.All.Contains(signal))
                    {
                        errors.Add(signalBody.PathOf("signal"), $"must be one of {string.Join(", ", Signals.All)}");
                    }
                    else if (signals.Any(x => x.Signal == signal))
                    {
                        errors.Add(signalBody.PathOf("signal"), $"'{signal}' is given more than once");
                    }

                    if (every is null && !errors.Has(signalBody.PathOf("everySeconds")))
                    {
                        errors.Add(signalBody.PathOf("everySeconds"), "is required: the expected cadence in seconds (1-86400)");
                    }

                    if (signal is not null && every is not null)
                    {
                        signals.Add((signal, every.Value));
                    }
                }

                if (items.Count == 0)
                {
                    errors.Add(body.PathOf("signals"), "must name at least one signal");
                }
            }
            else if (!errors.Has(body.PathOf("signals")))
            {
                errors.Add(body.PathOf("signals"), "is required: [{\"signal\": \"temperature\", \"everySeconds\": 120}, ...]");
            }

            body.RejectUnknownFields();
            if (errors.Any)
            {
                return errors.ToResult();
            }

            var user = CurrentUser.From(context.User, s.Identity.Value);
            return await s.Database.InTransactionAsync(async Task<IResult> (DbConnection c, DbTransaction tx) =>
            {
                var now = s.Time.GetUtcNow();
                await GradeStore.LockPatientAsync(c, tx, id, context.RequestAborted).ConfigureAwait(false);
                var running = (await DeviceStore.EnrolmentsAsync(c, tx, id, context.RequestAborted).ConfigureAwait(false))
                    .FirstOrDefault(e => e.EndedAt is null && e.Device == device);
                if (running is not null)
                {
                    return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
                        detail: $"Device {device} is already enrolled for patient {id} (enrolment {running.Id}): end that enrolment first");
                }

                var enrolment = new EnrolmentRow
                {
                    Id = Guid.NewGuid().ToString("N"), PatientId = id, Device = device!, GraceSeconds = grace, EnrolledAt = now,
                    EnrolledBy = user.Subject ?? "unknown", Reason = reason,
                };
                await DeviceStore.InsertEnrolmentAsync(c, tx, enrolment, context.RequestAborted).ConfigureAwait(false);
                foreach (var (signal, every) in signals)
                {
                    await DeviceStore.InsertStreamAsync(c, tx, new StreamRow
                    {
                        EnrolmentId = enrolment.Id, Signal = signal, PatientId = id, EverySeconds = every,
                    }, context.RequestAborted).ConfigureAwait(false);
                }

                s.Trail.Describe("device.enrol", "DeviceEnrolment", enrolment.Id, id, $"device={StoredText.Clean(device, 200)}");
                await s.Work.RunAsync(c, tx, id, readingsFrom: null, now, Actors.Clinician, context.RequestAborted).ConfigureAwait(false);
                return TypedResults.Created($"/api/patients/{id}/devices", await DocumentAsync(c, tx, enrolment.Id, context.RequestAborted).ConfigureAwait(false));
            }, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private static async Task<IResult> ListAsync(string id, HttpContext context, [AsParameters] Services s)
    {
        s.Trail.Describe("device.list", "Patient", id, id);
        if (await RefuseAsync(context, s, id, PatientDataUse.Read).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        await using var connection = await s.Database.OpenAsync(context.RequestAborted).ConfigureAwait(false);
        var enrolments = await DeviceStore.EnrolmentsAsync(connection, null, id, context.RequestAborted).ConfigureAwait(false);
        var streams = await DeviceStore.StreamsAsync(connection, null, id, context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new { PatientId = id, Enrolments = enrolments.Select(e => Document(e, streams)) });
    }

    private static async Task<IResult> EndAsync(string id, string enrolmentId, HttpContext context, [AsParameters] Services s)
    {
        s.Trail.Describe("device.end", "DeviceEnrolment", enrolmentId, id);
        if (await RefuseAsync(context, s, id, PatientDataUse.ClinicianAction).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        var user = CurrentUser.From(context.User, s.Identity.Value);
        return await s.Database.InTransactionAsync(async Task<IResult> (DbConnection c, DbTransaction tx) =>
        {
            var now = s.Time.GetUtcNow();
            await GradeStore.LockPatientAsync(c, tx, id, context.RequestAborted).ConfigureAwait(false);
            var enrolment = await DeviceStore.EnrolmentAsync(c, tx, enrolmentId, context.RequestAborted).ConfigureAwait(false);
            if (enrolment is null || enrolment.PatientId != id)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"Enrolment {enrolmentId} is not known for patient {id}");
            }

            if (enrolment.EndedAt is not null)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, detail: $"Enrolment {enrolmentId} ended at {enrolment.EndedAt:O}");
            }

            await DeviceStore.EndEnrolmentAsync(c, tx, enrolmentId, now, user.Subject ?? "unknown", context.RequestAborted).ConfigureAwait(false);
            await s.Work.RunAsync(c, tx, id, readingsFrom: null, now, Actors.Clinician, context.RequestAborted).ConfigureAwait(false);
            return TypedResults.Ok(await DocumentAsync(c, tx, enrolmentId, context.RequestAborted).ConfigureAwait(false));
        }, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>404 for an unknown patient, 403 when not on the caller's units (problem+json); null when allowed.</summary>
    private static async Task<IResult?> RefuseAsync(HttpContext context, Services s, string patientId, PatientDataUse use)
    {
        var user = CurrentUser.From(context.User, s.Identity.Value);
        await using var connection = await s.Database.OpenAsync(context.RequestAborted).ConfigureAwait(false);
        if (!await FhirResourceStore.ExistsAsync(connection, null, "Patient", patientId, context.RequestAborted).ConfigureAwait(false))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"Patient {patientId} is not known");
        }

        return await PatientAccess.AllowsAsync(connection, user, use, patientId, context.RequestAborted).ConfigureAwait(false)
            ? null
            : TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, detail: $"Patient {patientId} is not on your units");
    }

    private static async Task<EnrolmentDocument> DocumentAsync(DbConnection c, DbTransaction tx, string enrolmentId, CancellationToken ct)
    {
        var enrolment = (await DeviceStore.EnrolmentAsync(c, tx, enrolmentId, ct).ConfigureAwait(false))!;
        var streams = await DeviceStore.StreamsAsync(c, tx, enrolment.PatientId, ct).ConfigureAwait(false);
        return Document(enrolment, streams);
    }

    private static EnrolmentDocument Document(EnrolmentRow e, IReadOnlyList<StreamRow> streams) => new(
        e.Id, e.PatientId, e.Device, e.GraceSeconds, e.EnrolledAt, e.EnrolledBy, e.Reason, e.EndedAt, e.EndedBy,
        [.. streams.Where(s => s.EnrolmentId == e.Id).Select(s => new EnrolledSignal(s.Signal, s.EverySeconds, s.LastAt))]);

    /// <summary>The services every request needs.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Bound by minimal APIs with [AsParameters]")]
    private sealed class Services(
        Database database, TimeProvider time, IOptions<IdentitySettings> identity, AuditTrail trail, PatientWork work, IOptions<DeviceSettings> settings)
    {
        public Database Database { get; } = database;
        public TimeProvider Time { get; } = time;
        public IOptions<IdentitySettings> Identity { get; } = identity;
        public AuditTrail Trail { get; } = trail;
        public PatientWork Work { get; } = work;
        public IOptions<DeviceSettings> Settings { get; } = settings;
    }
}

/// <summary>An enrolment as the API answers it.</summary>
public sealed record EnrolmentDocument(
    string Id, string PatientId, string Device, int GraceSeconds, DateTimeOffset EnrolledAt, string EnrolledBy, string? Reason,
    DateTimeOffset? EndedAt, string? EndedBy, IReadOnlyList<EnrolledSignal> Signals);

/// <summary>An enrolled signal: its expected cadence and last data.</summary>
public sealed record EnrolledSignal(string Signal, int ExpectedEverySeconds, DateTimeOffset? LastAt);
