using System.Globalization;
using System.Text.Json;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Ingest;
using CrsMonitor.Service.Ingest.Endpoints;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Storage;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.CheckIn;

/// <summary>
/// The patient and caregiver check-in (issue 17). Clinicians of the patient's unit:
/// <list type="bullet">
/// <item><c>POST /api/patients/{id}/checkin-code</c>: a new code (shown once; any earlier one revoked), expiring at the end of the patient's last open window;</item>
/// <item><c>GET /api/patients/{id}/checkin-code</c>: whether a code is usable, since when, until when, last used (never the code);</item>
/// <item><c>DELETE /api/patients/{id}/checkin-code</c>: revoke it.</item>
/// </list>
/// Anyone with the code (no token; the anonymous request budget applies): <c>POST /api/checkin/session</c> (is the code
/// usable; the page's lists) and <c>POST /api/checkin/submissions</c> (temperature, symptoms, medicines: written as FHIR
/// resources through the one write path). A wrong, expired or revoked code gets one generic 403, audited.
/// </summary>
public static class CheckInEndpoints
{
    public const int MaxBodyBytes = 8 * 1024;
    public const string Refusal = "This check-in code cannot be used. Ask your care team for a new one.";

    public static IServiceCollection AddCheckIn(this IServiceCollection services)
    {
        services.AddStrictSettings<CheckInSettings>(CheckInSettings.SectionName)
            .Validate(s => s.Problems().Count == 0, $"{CheckInSettings.SectionName} settings are not valid: {CheckInSettings.SectionName}:{nameof(CheckInSettings.MaxCodeLifetimeHours)} must be from 1 to 2160 and {CheckInSettings.SectionName}:{nameof(CheckInSettings.MedicineLookbackHours)} from 1 to 168");
        return services;
    }

    public static void MapCheckInEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/patients/{id}/checkin-code", CreateAsync).RequireAuthorization(Policies.ClinicalStaff);
        app.MapGet("/api/patients/{id}/checkin-code", StateAsync).RequireAuthorization(Policies.ClinicalStaff);
        app.MapDelete("/api/patients/{id}/checkin-code", RevokeAsync).RequireAuthorization(Policies.ClinicalStaff);
        app.MapPost("/api/checkin/session", SessionAsync).AllowAnonymous();
        app.MapPost("/api/checkin/submissions", SubmitAsync).AllowAnonymous();
    }

    private static async Task<IResult> CreateAsync(
        string id, HttpContext context, Database database, TimeProvider time, IOptions<IdentitySettings> identity, IOptions<CheckInSettings> settings, AuditTrail trail)
    {
        trail.Describe("checkin.code.create", "Patient", id, id);
        var user = CurrentUser.From(context.User, identity.Value);
        if (await RefuseAsync(database, user, id, context.RequestAborted).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        var now = time.GetUtcNow();
        return await database.InTransactionAsync(async (c, tx) =>
        {
            var windows = await MonitoringStore.WindowsAsync(c, tx, id, context.RequestAborted).ConfigureAwait(false);
            var last = windows.Where(w => w.State == WindowState.Open && w.EndsAt > now).Select(w => w.EndsAt).DefaultIfEmpty().Max();
            if (last == default)
            {
                return (IResult)TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
                    detail: $"Patient {id} has no open monitoring window: a check-in code lasts as long as the monitoring (open a window first)");
            }

            var cap = now + TimeSpan.FromHours(settings.Value.MaxCodeLifetimeHours);
            var code = CheckInCodes.NewCode();
            var row = new CheckInCodeRow
            {
                Id = Guid.NewGuid().ToString("N"), PatientId = id, CodeHash = CheckInCodes.Hash(CheckInCodes.Normalise(code)!),
                CreatedBy = user.Subject ?? "unknown", CreatedAt = now, ExpiresAt = last < cap ? last : cap,
            };
            var revoked = await CheckInCodeStore.RevokeAsync(c, tx, id, user.Subject ?? "unknown", now, context.RequestAborted).ConfigureAwait(false);
            await CheckInCodeStore.InsertAsync(c, tx, row, context.RequestAborted).ConfigureAwait(false);
            trail.Describe("checkin.code.create", "CheckInCode", row.Id, id,
                $"expires {Instant(row.ExpiresAt)}" + (revoked > 0 ? $"; revoked {revoked} earlier code(s)" : string.Empty));
            return TypedResults.Created($"/api/patients/{id}/checkin-code", new
            {
                code,
                link = $"/checkin/#code={code}",
                id = row.Id,
                createdAt = row.CreatedAt,
                expiresAt = row.ExpiresAt,
                note = "Shown once: CrsMonitor keeps only a hash of the code. Give it to the patient or caregiver now.",
            });
        }, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task<IResult> StateAsync(string id, HttpContext context, Database database, TimeProvider time, IOptions<IdentitySettings> identity, AuditTrail trail)
    {
        trail.Describe("checkin.code.read", "Patient", id, id);
        var user = CurrentUser.From(context.User, identity.Value);
        if (await RefuseAsync(database, user, id, context.RequestAborted).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        var now = time.GetUtcNow();
        await using var c = await database.OpenAsync(context.RequestAborted).ConfigureAwait(false);
        var codes = await CheckInCodeStore.OfPatientAsync(c, null, id, context.RequestAborted).ConfigureAwait(false);
        var usable = codes.FirstOrDefault(r => r.UsableAt(now));
        return TypedResults.Ok(new
        {
            patientId = id,
            active = usable is null ? null : new { id = usable.Id, usable.CreatedAt, usable.CreatedBy, usable.ExpiresAt, usable.LastUsedAt },
        });
    }

    private static async Task<IResult> RevokeAsync(string id, HttpContext context, Database database, TimeProvider time, IOptions<IdentitySettings> identity, AuditTrail trail)
    {
        trail.Describe("checkin.code.revoke", "Patient", id, id);
        var user = CurrentUser.From(context.User, identity.Value);
        if (await RefuseAsync(database, user, id, context.RequestAborted).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        var now = time.GetUtcNow();
        var revoked = await database.InTransactionAsync(
            (c, tx) => CheckInCodeStore.RevokeAsync(c, tx, id, user.Subject ?? "unknown", now, context.RequestAborted), context.RequestAborted).ConfigureAwait(false);
        if (revoked == 0)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"Patient {id} has no usable check-in code");
        }

        trail.Describe("checkin.code.revoke", "Patient", id, id, $"revoked {revoked} code(s)");
        return TypedResults.Ok(new { patientId = id, revoked, revokedAt = now });
    }

    /// <summary>404 for an unknown patient, 403 for one not on the caller's units (ClinicianAction, as every clinician action).</summary>
    private static async Task<IResult?> RefuseAsync(Database database, CurrentUser user, string patientId, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct).ConfigureAwait(false);
        if (!await FhirResourceStore.ExistsAsync(c, null, "Patient", patientId, ct).ConfigureAwait(false))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"Patient {patientId} is not known");
        }

        return await PatientAccess.AllowsAsync(c, user, PatientDataUse.ClinicianAction, patientId, ct).ConfigureAwait(false)
            ? null
            : TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, detail: $"Patient {patientId} is not on your units");
    }

    private static async Task<IResult> SessionAsync(HttpContext context, Database database, TimeProvider time, AuditTrail trail)
    {
        trail.Describe("checkin.open", "CheckInCode");
        var (document, failure) = await JsonBody.ReadAsync(context.Request, MaxBodyBytes, context.RequestAborted).ConfigureAwait(false);
        if (failure is not null)
        {
            return failure;
        }

        using (document)
        {
            var code = document!.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String
                ? c.GetString() : null;
            var row = await VerifyAsync(database, trail, code, time.GetUtcNow(), context.RequestAborted).ConfigureAwait(false);
            if (row is null)
            {
                return Refused();
            }

            return TypedResults.Ok(new
            {
                expiresAt = row.ExpiresAt,
                symptoms = HomeCheckIn.Symptoms.Select(s => new { id = s.LinkId, text = s.Text }),
                medicines = CheckInSubmission.ShortList.Select(m => new { id = m.Key, text = m.Text }),
            });
        }
    }

    private static async Task<IResult> SubmitAsync(
        HttpContext context, Database database, TimeProvider time, AuditTrail trail, FhirBundleProcessor processor, IOptions<CheckInSettings> settings)
    {
        trail.Describe("checkin.submit", "CheckInCode");
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

            // The code first: nothing about the body is answered to someone without a usable code.
            var now = time.GetUtcNow();
            var row = await VerifyAsync(database, trail, body.Text("code", 64), now, context.RequestAborted).ConfigureAwait(false);
            if (row is null)
            {
                return Refused();
            }

            var submission = Read(body, row.PatientId, now, settings.Value);
            body.RejectUnknownFields();
            if (errors.Any || submission is null)
            {
                return errors.ToResult();
            }

            var submissionId = Guid.NewGuid().ToString("N");
            var bundle = submission.ToBundle(submissionId, now);
            var entries = new List<TransactionEntry>();
            for (var i = 0; i < bundle.Entry.Count; i++)
            {
                var (entry, error) = processor.Plan(bundle.Entry[i], i);
                if (error is not null)
                {
                    // The page's values were checked above; the FHIR rules still have the last word (e.g. a temperature's range).
                    return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity,
                        detail: string.Join("; ", error.Outcome.Issue.Select(x => x.Diagnostics)));
                }

                entries.Add(entry!);
            }

            var origin = new WriteOrigin(CurrentUser.CheckIn(row.Id, row.PatientId), trail, context.Connection.RemoteIpAddress?.ToString(), context.TraceIdentifier);
            WriteOutcome?[] written;
            try
            {
                written = await processor.CommitTransactionAsync(entries, bundle.Entry.Count, origin, "checkin.submit",
                    (c, tx, at) => CheckInCodeStore.UsedAsync(c, tx, row.Id, at, context.RequestAborted), context.RequestAborted).ConfigureAwait(false);
            }
            catch (WriteRefusedException refused)
            {
                trail.Describe("checkin.submit", patientId: refused.PatientId);
                return TypedResults.Problem(statusCode: refused.Error.StatusCode, detail: refused.Error.Outcome.Issue.FirstOrDefault()?.Diagnostics);
            }

            return TypedResults.Created((string?)null, new
            {
                receivedAt = now,
                reportedBy = submission.ReportedBy,
                temperature = submission.Temperature is { } t ? new { value = t, unit = submission.TemperatureUnit } : null,
                symptoms = submission.Symptoms.Select(s => new { id = s, text = HomeCheckIn.TextOf(s) }),
                medicines = submission.Medicines.Select(m => new { id = m.Medicine.Key, text = m.Medicine.Text, takenAt = m.TakenAt }),
                resources = written.Select(w => $"{w!.ResourceType}/{w.Saved.Id}"),
            });
        }
    }

    /// <summary>The code's row when it is usable now; else null, with the refusal described for the audit (never for the caller).</summary>
    private static async Task<CheckInCodeRow?> VerifyAsync(Database database, AuditTrail trail, string? code, DateTimeOffset now, CancellationToken ct)
    {
        var normalised = CheckInCodes.Normalise(code);
        CheckInCodeRow? row = null;
        if (normalised is not null)
        {
            await using var c = await database.OpenAsync(ct).ConfigureAwait(false);
            row = await CheckInCodeStore.FindAsync(c, null, CheckInCodes.Hash(normalised), ct).ConfigureAwait(false);
        }

        if (row is null || !row.UsableAt(now))
        {
            var why = row is null ? "no such code" : row.RevokedAt is not null ? "revoked" : "expired";
            trail.Describe(trail.Action!, "CheckInCode", row?.Id, row?.PatientId, $"refused: {why}");
            return null;
        }

        trail.Describe(trail.Action!, "CheckInCode", row.Id, row.PatientId);
        return row;
    }

    /// <summary>One answer for every unusable code (unknown, expired, revoked): nothing tells them apart.</summary>
    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Refused() => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: Refusal);

    private static CheckInSubmission? Read(JsonObjectReader body, string patientId, DateTimeOffset now, CheckInSettings settings)
    {
        var reporter = body.Text("reportedBy", 20);
        if (reporter is null)
        {
            body.Errors.Add(body.PathOf("reportedBy"), "is required: patient or caregiver");
        }
        else if (reporter is not (Readings.ReportedBy.Patient or Readings.ReportedBy.Caregiver))
        {
            body.Errors.Add(body.PathOf("reportedBy"), "must be patient or caregiver");
        }

        decimal? value = null;
        string? unit = null;
        if (body.Object("temperature") is { } temperature)
        {
            unit = temperature.Text("unit", 10) ?? "Cel";
            var (low, high) = unit switch
            {
                "Cel" => (30m, 44m),
                "[degF]" => (86m, 111.2m),
                _ => (0m, 0m),
            };
            if (high == 0m)
            {
                temperature.Errors.Add(temperature.PathOf("unit"), "must be Cel or [degF]");
            }
            else
            {
                value = temperature.Decimal("value", low, high, unit == "Cel" ? "°C" : "°F");
                if (value is null && !temperature.Errors.Has(temperature.PathOf("value")))
                {
                    temperature.Errors.Add(temperature.PathOf("value"), "is required");
                }
            }

            temperature.RejectUnknownFields();
        }

        var symptoms = new List<string>();
        foreach (var (item, path) in body.Array("symptoms", HomeCheckIn.Symptoms.Count) ?? [])
        {
            var symptom = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
            if (symptom is null || HomeCheckIn.TextOf(symptom) is null)
            {
                body.Errors.Add(path, $"must be one of {string.Join(", ", HomeCheckIn.Symptoms.Select(s => s.LinkId))}");
            }
            else if (!symptoms.Contains(symptom))
            {
                symptoms.Add(symptom);
            }
        }

        var medicines = new List<(HomeMedicine, DateTimeOffset)>();
        foreach (var (item, path) in body.Array("medicines", 10) ?? [])
        {
            if (JsonObjectReader.Open(item, path, body.Errors) is not { } medicine)
            {
                continue;
            }

            var key = medicine.Text("drug", 40);
            var known = CheckInSubmission.ShortList.FirstOrDefault(m => m.Key == key);
            if (known is null)
            {
                medicine.Errors.Add(medicine.PathOf("drug"), $"must be one of {string.Join(", ", CheckInSubmission.ShortList.Select(m => m.Key))}");
            }

            var takenAt = medicine.Instant("takenAt");
            if (takenAt is null && !medicine.Errors.Has(medicine.PathOf("takenAt")))
            {
                medicine.Errors.Add(medicine.PathOf("takenAt"), "is required: when it was taken");
            }
            else if (takenAt is { } at && (at > now + TimeSpan.FromMinutes(5) || at < now - TimeSpan.FromHours(settings.MedicineLookbackHours)))
            {
                medicine.Errors.Add(medicine.PathOf("takenAt"), $"must be within the last {settings.MedicineLookbackHours.ToString(CultureInfo.InvariantCulture)} hours, not in the future");
            }

            medicine.RejectUnknownFields();
            if (known is not null && takenAt is { } taken)
            {
                medicines.Add((known, taken));
            }
        }

        return body.Errors.Any || reporter is null ? null : new CheckInSubmission(patientId, reporter, value, value is null ? null : unit, symptoms, medicines);
    }

    private static string Instant(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture);
}
