using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Monitoring.Outpatient;
using CrsMonitor.Service.Monitoring.Protocols;
using CrsMonitor.Service.Storage;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Monitoring.Schedule;

/// <summary>
/// What clinicians do to monitoring by hand (every action audited, each a <c>window_decision</c> or dose row):
/// <list type="bullet">
/// <item><c>POST /api/patients/{id}/windows</c> (nurse, physician): open a window by hand;</item>
/// <item><c>POST /api/windows/{id}/extend</c> (nurse, physician): move its latest end later;</item>
/// <item><c>POST /api/windows/{id}/close</c> (nurse, physician): close it with a decision (discharge, admit, transfer, other);</item>
/// <item><c>POST /api/patients/{id}/doses</c> (physician): record a dose given elsewhere, with its place in the sequence;</item>
/// <item><c>PUT /api/doses/{id}/place</c> (physician): correct a dose's place (a restart after a delay);</item>
/// <item><c>POST /api/windows/{id}/attest</c> (nurse, physician): record the caregiver and proximity attestation of a window that requires one (issue 17);</item>
/// <item><c>POST /api/patients/{id}/setting</c> (physician): move the patient between inpatient and home monitoring (issue 17).</item>
/// </list>
/// </summary>
public static class MonitoringEndpoints
{
    public const int MaxBodyBytes = 16 * 1024;
    private const int ReasonLength = 1000;
    private static readonly string[] Decisions = ["discharge", "admit", "transfer", "other"];
    private static readonly string[] Settings = [MonitoringSettingKind.Observed, MonitoringSettingKind.Inpatient, MonitoringSettingKind.ObservationClinic, MonitoringSettingKind.Home]; // a window opened by hand (proximity follows another window)

    public static void MapMonitoringEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/patients/{id}/windows", OpenWindowAsync).RequireAuthorization(Policies.ClinicalStaff);
        app.MapPost("/api/windows/{id}/extend", ExtendAsync).RequireAuthorization(Policies.ClinicalStaff);
        app.MapPost("/api/windows/{id}/close", CloseAsync).RequireAuthorization(Policies.ClinicalStaff);
        app.MapPost("/api/patients/{id}/doses", OutsideDoseAsync).RequireAuthorization(Policies.ClinicalStaff);
        app.MapPut("/api/doses/{id}/place", CorrectPlaceAsync).RequireAuthorization(Policies.ClinicalStaff);
        app.MapPost("/api/windows/{id}/attest", AttestAsync).RequireAuthorization(Policies.ClinicalStaff);
        app.MapPost("/api/patients/{id}/setting", MoveAsync).RequireAuthorization(Policies.ClinicalStaff);
        app.MapProtocolChangeEndpoints();
    }

    /// <summary>
    /// The caregiver and proximity attestation of a window that requires a caregiver (a proximity or home window, or one a
    /// physician moved home): who the caregiver is, how far (minutes) the patient will be from the setting. A new one
    /// replaces the last (a new caregiver). Refused for a window that requires none, is not open, or whose travel limit
    /// the minutes exceed (the patient cannot leave on those terms: record a decision instead).
    /// </summary>
    private static async Task<IResult> AttestAsync(string id, HttpContext context, [AsParameters] Services s)
    {
        s.Trail.Describe("monitoring.window.attest", "MonitoringWindow", id);
        return await WithWindowAsync(context, s, id, (window, body, user, now) =>
        {
            var name = body.Text("caregiverName", 200);
            var relationship = body.Text("caregiverRelationship", 100);
            var phone = body.Text("caregiverPhone", 40);
            var travel = body.Integer("travelMinutes", 0, 1440);
            var reason = body.Text("reason", ReasonLength);
            Require(body, name, "caregiverName");
            Require(body, relationship, "caregiverRelationship");
            Require(body, travel, "travelMinutes");
            var (required, maxTravel) = Outpatient.OutpatientView.Requirement(window, s.Catalog);
            if (window.State != WindowState.Open)
            {
                body.Errors.Add(ValidationErrors.Body, $"window {window.Id} is {window.State.Code()}: only an open window takes an attestation");
            }
            else if (!required)
            {
                body.Errors.Add(ValidationErrors.Body, $"window {window.Id} ({window.ProtocolWindowId}, {window.SettingCode}) requires no caregiver");
            }

            if (travel is { } minutes && maxTravel is { } limit && minutes > limit)
            {
                body.Errors.Add(body.PathOf("travelMinutes"), $"{minutes} is more than this window's limit of {limit} minutes: the patient cannot leave on these terms (record a decision instead)");
            }

            return body.Errors.Any ? null : (Func<DbConnection, DbTransaction, Task<IResult>>)(async (c, tx) =>
            {
                await Outpatient.OutpatientStore.InsertAttestationAsync(c, tx, new Outpatient.AttestationRow
                {
                    Id = NewId(), WindowId = window.Id, PatientId = window.PatientId, CaregiverName = name!, CaregiverRelationship = relationship!,
                    CaregiverPhone = phone, TravelMinutes = travel!.Value, Reason = reason, AttestedAt = now, AttestedBy = user.Subject ?? "unknown",
                    Role = user.Roles.Contains(Roles.Physician) ? Roles.Physician : Roles.Nurse,
                }, context.RequestAborted).ConfigureAwait(false);
                var attestations = await Outpatient.OutpatientStore.AttestationsAsync(c, tx, window.PatientId, context.RequestAborted).ConfigureAwait(false);
                return TypedResults.Created($"/api/patients/{window.PatientId}/status", new
                {
                    WindowId = window.Id, window.PatientId, window.ProtocolWindowId, Setting = window.SettingCode,
                    Attestation = Outpatient.OutpatientView.Attestation(window, s.Catalog, attestations),
                });
            });
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// A physician moves a patient between inpatient and home monitoring: every open window of the patient not already in
    /// the target setting takes it (to home: the windows with staff, inpatient, observed or observation clinic; to
    /// inpatient: every other open window, proximity too, as the patient is admitted), each change a
    /// <c>setting-changed</c> decision; the check schedule follows at once (the patient pass runs in the same transaction).
    /// </summary>
    private static async Task<IResult> MoveAsync(string id, HttpContext context, [AsParameters] Services s)
    {
        s.Trail.Describe("monitoring.patient.setting", "Patient", id, id);
        var caller = CurrentUser.From(context.User, s.Identity.Value);
        if (!caller.Roles.Contains(Roles.Physician))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, detail: "Only a physician moves a patient between inpatient and home monitoring");
        }

        return await WithBodyAsync(context, s, id, (body, user, now) =>
        {
            var setting = body.Text("setting", 40);
            var reason = body.Text("reason", ReasonLength);
            Require(body, setting, "setting");
            Require(body, reason, "reason");
            if (setting is not null && !MonitoringSettingKind.MoveTargets.Contains(setting))
            {
                body.Errors.Add(body.PathOf("setting"), $"must be one of {string.Join(", ", MonitoringSettingKind.MoveTargets)}");
            }

            return body.Errors.Any ? null : (Func<DbConnection, DbTransaction, Task<IResult>>)(async (c, tx) =>
            {
                var target = MonitoringSettingKind.Parse(setting)!.Value;
                var windows = await MonitoringStore.WindowsAsync(c, tx, id, context.RequestAborted).ConfigureAwait(false);
                var moving = windows.Where(w => w.State == WindowState.Open && w.Setting != target
                    && (target == WindowSetting.Inpatient || MonitoringSettingKind.HasNurseChecks(w.Setting))).ToList();
                if (moving.Count == 0)
                {
                    return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
                        detail: $"Patient {id} has no open window to move to {setting} (none open, or every one already {setting} or a proximity window)");
                }

                foreach (var window in moving)
                {
                    var from = window.SettingCode;
                    await Outpatient.OutpatientStore.UpdateSettingAsync(c, tx, window.Id, target, context.RequestAborted).ConfigureAwait(false);
                    window.Setting = target;
                    var detail = JsonSerializer.Serialize(new { from, to = setting }, JsonSerializerOptions.Web);
                    await DecideAsync(c, tx, window, "setting-changed", setting, null, reason!, user, now, context.RequestAborted, detail).ConfigureAwait(false);
                }

                await s.Work.RunAsync(c, tx, id, readingsFrom: null, now, Actors.Clinician, context.RequestAborted).ConfigureAwait(false);
                var results = new List<object>();
                foreach (var window in moving)
                {
                    results.Add(await WindowResultAsync(c, tx, window.Id, now, context.RequestAborted).ConfigureAwait(false));
                }

                return TypedResults.Ok(new { PatientId = id, Setting = setting, Windows = results });
            });
        }).ConfigureAwait(false);
    }

    private static async Task<IResult> OpenWindowAsync(string id, HttpContext context, [AsParameters] Services s)
    {
        s.Trail.Describe("monitoring.window.open", "Patient", id, id);
        return await WithBodyAsync(context, s, id, (body, user, now) =>
        {
            var setting = body.Text("setting", 20) ?? "observed";
            var minHours = body.Decimal("minHours", 0.25m, 168m, "hours");
            var maxHours = body.Decimal("maxHours", 0.25m, 168m, "hours");
            var opensAt = body.Instant("opensAt") ?? now;
            var reason = body.Text("reason", ReasonLength);
            Require(body, minHours, "minHours");
            Require(body, maxHours, "maxHours");
            Require(body, reason, "reason");
            if (!Settings.Contains(setting))
            {
                body.Errors.Add(body.PathOf("setting"), $"must be one of {string.Join(", ", Settings)}");
            }

            if (minHours > maxHours)
            {
                body.Errors.Add(body.PathOf("minHours"), $"must not be more than maxHours ({maxHours})");
            }

            if (opensAt > now + TimeSpan.FromHours(24) || opensAt < now - TimeSpan.FromHours(72))
            {
                body.Errors.Add(body.PathOf("opensAt"), "must be within the last 72 hours or the next 24");
            }

            return body.Errors.Any ? null : (Func<DbConnection, DbTransaction, Task<IResult>>)(async (c, tx) =>
            {
                var window = new WindowRow
                {
                    Id = NewId(), PatientId = id, ProtocolWindowId = "by-hand", SettingCode = setting, Anchor = "by-hand", OpensAt = opensAt,
                    EarliestEndAt = opensAt + Hours(minHours!.Value), LatestEndAt = opensAt + Hours(maxHours!.Value), Source = $"Opened by hand: {reason}",
                    State = WindowState.Open, CreatedAt = now, CreatedBy = user.Subject ?? "unknown",
                };
                await MonitoringStore.InsertWindowAsync(c, tx, window, context.RequestAborted).ConfigureAwait(false);
                await DecideAsync(c, tx, window, "opened", null, null, reason!, user, now, context.RequestAborted).ConfigureAwait(false);
                await s.Work.RunAsync(c, tx, id, readingsFrom: null, now, Actors.Clinician, context.RequestAborted).ConfigureAwait(false);
                return TypedResults.Created($"/api/patients/{id}/status", await WindowResultAsync(c, tx, window.Id, now, context.RequestAborted).ConfigureAwait(false));
            });
        }).ConfigureAwait(false);
    }

    private static async Task<IResult> ExtendAsync(string id, HttpContext context, [AsParameters] Services s)
    {
        s.Trail.Describe("monitoring.window.extend", "MonitoringWindow", id);
        return await WithWindowAsync(context, s, id, (window, body, user, now) =>
        {
            var hours = body.Decimal("hours", 0.25m, 72m, "hours");
            var reason = body.Text("reason", ReasonLength);
            Require(body, hours, "hours");
            Require(body, reason, "reason");
            if (window.State != WindowState.Open)
            {
                body.Errors.Add(ValidationErrors.Body, $"window {window.Id} is {window.State.Code()}: only an open window can be extended");
            }

            return body.Errors.Any ? null : (Func<DbConnection, DbTransaction, Task<IResult>>)(async (c, tx) =>
            {
                window.LatestEndAt += Hours(hours!.Value);
                await MonitoringStore.UpdateWindowAsync(c, tx, window, context.RequestAborted).ConfigureAwait(false);
                await DecideAsync(c, tx, window, "extended", null, hours, reason!, user, now, context.RequestAborted).ConfigureAwait(false);
                await s.Work.RunAsync(c, tx, window.PatientId, readingsFrom: null, now, Actors.Clinician, context.RequestAborted).ConfigureAwait(false);
                return TypedResults.Ok(await WindowResultAsync(c, tx, window.Id, now, context.RequestAborted).ConfigureAwait(false));
            });
        }).ConfigureAwait(false);
    }

    private static async Task<IResult> CloseAsync(string id, HttpContext context, [AsParameters] Services s)
    {
        s.Trail.Describe("monitoring.window.close", "MonitoringWindow", id);
        return await WithWindowAsync(context, s, id, (window, body, user, now) =>
        {
            var decision = body.Text("decision", 20);
            var reason = body.Text("reason", ReasonLength);
            Require(body, decision, "decision");
            Require(body, reason, "reason");
            if (decision is not null && !Decisions.Contains(decision))
            {
                body.Errors.Add(body.PathOf("decision"), $"must be one of {string.Join(", ", Decisions)}");
            }

            if (window.State != WindowState.Open)
            {
                body.Errors.Add(ValidationErrors.Body, $"window {window.Id} is {window.State.Code()}: only an open window can be closed");
            }

            return body.Errors.Any ? null : (Func<DbConnection, DbTransaction, Task<IResult>>)(async (c, tx) =>
            {
                var episodes = await MonitoringStore.EpisodesAsync(c, tx, window.PatientId, context.RequestAborted).ConfigureAwait(false);
                var stateBefore = MonitoringView.StateAt(window, episodes, now);
                window.State = WindowState.Closed;
                window.ClosedAt = now;
                window.NextWakeAt = null;
                await MonitoringStore.UpdateWindowAsync(c, tx, window, context.RequestAborted).ConfigureAwait(false);
                var detail = JsonSerializer.Serialize(new { stateBefore, beforeMinimum = now < window.EarliestEndAt }, JsonSerializerOptions.Web);
                await DecideAsync(c, tx, window, "closed", decision, null, reason!, user, now, context.RequestAborted, detail).ConfigureAwait(false);
                await s.Work.RunAsync(c, tx, window.PatientId, readingsFrom: null, now, Actors.Clinician, context.RequestAborted).ConfigureAwait(false);
                return TypedResults.Ok(await WindowResultAsync(c, tx, window.Id, now, context.RequestAborted).ConfigureAwait(false));
            });
        }).ConfigureAwait(false);
    }

    private static async Task<IResult> OutsideDoseAsync(string id, HttpContext context, [AsParameters] Services s)
    {
        s.Trail.Describe("monitoring.dose.outside", "Patient", id, id);
        if (!PhysicianOnly(context, s, out var denied))
        {
            return denied!;
        }

        return await WithBodyAsync(context, s, id, (body, user, now) =>
        {
            var drug = body.Text("drug", 64);
            var cycle = body.Integer("cycle", 1, 200);
            var day = body.Integer("day", 1, 60);
            var startedAt = body.Instant("startedAt");
            var endedAt = body.Instant("endedAt");
            var reason = body.Text("reason", ReasonLength);
            Require(body, drug, "drug");
            Require(body, cycle, "cycle");
            Require(body, day, "day");
            Require(body, startedAt, "startedAt");
            Require(body, reason, "reason");
            CheckPlace(body, s.Catalog, drug, cycle, day, startedAt, s.Processor);
            if (endedAt is { } end && startedAt is { } start && end < start)
            {
                body.Errors.Add(body.PathOf("endedAt"), "must not be before startedAt");
            }

            if (startedAt > now)
            {
                body.Errors.Add(body.PathOf("startedAt"), "must not be in the future (record a dose once it is given)");
            }

            return body.Errors.Any ? null : (Func<DbConnection, DbTransaction, Task<IResult>>)(async (c, tx) =>
            {
                var dose = new DoseRow
                {
                    Id = NewId(), PatientId = id, DrugKey = drug!, StartedAt = startedAt!.Value, EndedAt = endedAt ?? startedAt,
                    Cycle = cycle, Day = day, SequenceBasis = DoseBasis.Physician, CorrectedBy = user.Subject, CorrectionReason = reason, RecordedAt = now,
                };
                await MonitoringStore.InsertDoseAsync(c, tx, dose, context.RequestAborted).ConfigureAwait(false);
                await s.Work.RunAsync(c, tx, id, readingsFrom: null, now, Actors.Clinician, context.RequestAborted).ConfigureAwait(false);
                return TypedResults.Created($"/api/patients/{id}/status", await DoseResultAsync(c, tx, id, dose.Id, s.Catalog, context.RequestAborted).ConfigureAwait(false));
            });
        }).ConfigureAwait(false);
    }

    private static async Task<IResult> CorrectPlaceAsync(string id, HttpContext context, [AsParameters] Services s)
    {
        s.Trail.Describe("monitoring.dose.correct-place", "MonitoringDose", id);
        if (!PhysicianOnly(context, s, out var denied))
        {
            return denied!;
        }

        await using var connection = await s.Database.OpenAsync(context.RequestAborted).ConfigureAwait(false);
        var patientId = await MonitoringStore.PatientOfDoseAsync(connection, id, context.RequestAborted).ConfigureAwait(false);
        if (patientId is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"Dose {id} is not known");
        }

        return await WithBodyAsync(context, s, patientId, (body, user, now) =>
        {
            var cycle = body.Integer("cycle", 1, 200);
            var day = body.Integer("day", 1, 60);
            var reason = body.Text("reason", ReasonLength);
            Require(body, cycle, "cycle");
            Require(body, day, "day");
            Require(body, reason, "reason");
            return body.Errors.Any ? null : (Func<DbConnection, DbTransaction, Task<IResult>>)(async (c, tx) =>
            {
                var doses = await MonitoringStore.DosesAsync(c, tx, patientId, context.RequestAborted).ConfigureAwait(false);
                var dose = doses.Single(d => d.Id == id);
                var check = new ValidationErrors();
                var reader = JsonObjectReader.Open(JsonDocument.Parse("{}").RootElement, string.Empty, check)!;
                CheckPlace(reader, s.Catalog, dose.DrugKey, cycle, day, dose.StartedAt, s.Processor);
                if (check.Any)
                {
                    return check.ToResult();
                }

                dose.Cycle = cycle;
                dose.Day = day;
                dose.SequenceBasis = DoseBasis.Physician;
                dose.CorrectedBy = user.Subject;
                dose.CorrectionReason = reason;
                await MonitoringStore.UpdateDoseAsync(c, tx, dose, context.RequestAborted).ConfigureAwait(false);
                await s.Work.RunAsync(c, tx, patientId, readingsFrom: null, now, Actors.Clinician, context.RequestAborted).ConfigureAwait(false);
                return TypedResults.Ok(await DoseResultAsync(c, tx, patientId, id, s.Catalog, context.RequestAborted).ConfigureAwait(false));
            });
        }).ConfigureAwait(false);
    }

    /// <summary>A place must exist in the protocol that applies to the drug on the dose's date.</summary>
    private static void CheckPlace(JsonObjectReader body, ProtocolCatalog catalog, string? drug, int? cycle, int? day, DateTimeOffset? at, MonitoringProcessor processor)
    {
        if (drug is null || cycle is null || day is null || at is null)
        {
            return;
        }

        var protocol = catalog.ApplicableTo(drug, processor.LocalDate(at.Value));
        if (protocol is null)
        {
            body.Errors.Add(body.PathOf("drug"), $"no protocol of '{drug}' applies on {processor.LocalDate(at.Value):yyyy-MM-dd} ({string.Join(", ", catalog.Files.Select(f => f.Protocol.Drug.Key).Distinct())} have protocols)");
        }
        else if (protocol.DoseAt(cycle.Value, day.Value) is null)
        {
            body.Errors.Add(body.PathOf("day"), $"C{cycle}D{day} is not a dose of {protocol.Id} (its doses: {string.Join(", ", DoseSequence.Places(protocol).Take(8))}, ...)");
        }
    }

    private static bool PhysicianOnly(HttpContext context, Services s, out IResult? denied)
    {
        var user = CurrentUser.From(context.User, s.Identity.Value);
        denied = user.Roles.Contains(Roles.Physician) ? null
            : TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, detail: "Only a physician records outside doses and corrects a dose's place in the sequence");
        return denied is null;
    }

    private static async Task<IResult> WithWindowAsync(
        HttpContext context, Services s, string windowId,
        Func<WindowRow, JsonObjectReader, CurrentUser, DateTimeOffset, Func<DbConnection, DbTransaction, Task<IResult>>?> build)
    {
        await using var connection = await s.Database.OpenAsync(context.RequestAborted).ConfigureAwait(false);
        var window = await MonitoringStore.WindowAsync(connection, null, windowId, context.RequestAborted).ConfigureAwait(false);
        if (window is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"Window {windowId} is not known");
        }

        s.Trail.Describe(s.Trail.Action!, "MonitoringWindow", windowId, window.PatientId);
        return await WithBodyAsync(context, s, window.PatientId, (body, user, now) => build(window, body, user, now)).ConfigureAwait(false);
    }

    /// <summary>Access check, body parsing, validation; then the unit of work in one transaction.</summary>
    private static async Task<IResult> WithBodyAsync(
        HttpContext context, Services s, string patientId,
        Func<JsonObjectReader, CurrentUser, DateTimeOffset, Func<DbConnection, DbTransaction, Task<IResult>>?> build)
    {
        var user = CurrentUser.From(context.User, s.Identity.Value);
        await using (var connection = await s.Database.OpenAsync(context.RequestAborted).ConfigureAwait(false))
        {
            if (!await FhirResourceStore.ExistsAsync(connection, null, "Patient", patientId, context.RequestAborted).ConfigureAwait(false))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"Patient {patientId} is not known");
            }

            if (!await PatientAccess.AllowsAsync(connection, user, PatientDataUse.ClinicianAction, patientId, context.RequestAborted).ConfigureAwait(false))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, detail: $"Patient {patientId} is not on your units");
            }
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

            var now = s.Time.GetUtcNow();
            var work = build(body, user, now);
            body.RejectUnknownFields();
            if (errors.Any || work is null)
            {
                return errors.ToResult();
            }

            return await s.Database.InTransactionAsync(work, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private static async Task DecideAsync(
        DbConnection c, DbTransaction tx, WindowRow window, string action, string? decision, decimal? hours, string reason, CurrentUser user,
        DateTimeOffset now, CancellationToken ct, string? detail = null) =>
        await MonitoringStore.InsertDecisionAsync(c, tx, new DecisionRow
        {
            Id = NewId(), WindowId = window.Id, Action = action, Decision = decision,
            Hours = hours?.ToString(CultureInfo.InvariantCulture), Reason = reason, DecidedAt = now, DecidedBy = user.Subject ?? "unknown",
            Role = user.Roles.Contains(Roles.Physician) ? Roles.Physician : Roles.Nurse, Detail = detail,
        }, ct).ConfigureAwait(false);

    private static async Task<object> WindowResultAsync(DbConnection c, DbTransaction tx, string windowId, DateTimeOffset now, CancellationToken ct)
    {
        var window = (await MonitoringStore.WindowAsync(c, tx, windowId, ct).ConfigureAwait(false))!;
        var episodes = await MonitoringStore.EpisodesAsync(c, tx, window.PatientId, ct).ConfigureAwait(false);
        var decisions = (await MonitoringStore.DecisionsAsync(c, tx, window.PatientId, ct).ConfigureAwait(false)).Where(d => d.WindowId == windowId);
        return new
        {
            window.Id, window.PatientId, window.DoseId, window.ProtocolWindowId, window.Setting, Outpatient = MonitoringSettingKind.IsOutpatient(window.Setting),
            window.OpensAt, EarliestEnd = window.EarliestEndAt,
            LatestEnd = window.LatestEndAt, State = MonitoringView.StateAt(window, episodes, now), window.ClosedAt, window.NextWakeAt,
            Decisions = decisions.Select(d => new { d.Action, d.Decision, d.Hours, d.Reason, d.DecidedAt, d.DecidedBy, d.Role }),
        };
    }

    private static async Task<object> DoseResultAsync(DbConnection c, DbTransaction tx, string patientId, string doseId, ProtocolCatalog catalog, CancellationToken ct)
    {
        var dose = (await MonitoringStore.DosesAsync(c, tx, patientId, ct).ConfigureAwait(false)).Single(d => d.Id == doseId);
        var windows = (await MonitoringStore.WindowsAsync(c, tx, patientId, ct).ConfigureAwait(false)).Where(w => w.DoseId == doseId && w.State != WindowState.Superseded);
        return new
        {
            dose.Id, Drug = dose.DrugKey, Place = dose.Place?.ToString(), dose.Cycle, dose.Day, dose.StartedAt, dose.EndedAt, dose.ProtocolId,
            ProtocolVersion = dose.ProtocolId is { } pid ? catalog.Find(pid)?.Protocol.Version : null, SequenceBasis = dose.SequenceBasis.Code(),
            ExtendedMonitoring = dose.ExtendedMonitoring == 1, dose.ExtendedReason, dose.ConfirmationRequired, dose.CorrectedBy, dose.CorrectionReason,
            Windows = windows.Select(w => new { w.Id, w.ProtocolWindowId, Setting = w.SettingCode, w.OpensAt, EarliestEnd = w.EarliestEndAt, LatestEnd = w.LatestEndAt }),
        };
    }

    private static void Require<T>(JsonObjectReader body, T? value, string field)
    {
        if (value is null && !body.Errors.Has(body.PathOf(field)))
        {
            body.Errors.Add(body.PathOf(field), "is required");
        }
    }

    private static TimeSpan Hours(decimal hours) => TimeSpan.FromTicks((long)(hours * TimeSpan.TicksPerHour));

    private static string NewId() => Guid.NewGuid().ToString("N");

    /// <summary>The services every action needs.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Bound by minimal APIs with [AsParameters]")]
    private sealed class Services(
        Database database, TimeProvider time, IOptions<IdentitySettings> identity, AuditTrail trail, MonitoringProcessor processor, ProtocolCatalog catalog, Assessment.PatientWork work)
    {
        public Database Database { get; } = database;
        public TimeProvider Time { get; } = time;
        public IOptions<IdentitySettings> Identity { get; } = identity;
        public AuditTrail Trail { get; } = trail;
        public MonitoringProcessor Processor { get; } = processor;

        public Assessment.PatientWork Work { get; } = work;
        public ProtocolCatalog Catalog { get; } = catalog;
    }
}
