using System.Text.Json.Nodes;
using CrsMonitor.Service.Devices;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Alerts.AlertKit;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using static CrsMonitor.Service.Tests.Monitoring.Schedule.MonitoringHost;

namespace CrsMonitor.Service.Tests.Outpatient;

/// <summary>
/// Issue 17, "done when": the simulated 48 h home course (<see cref="HomeCourse"/>) over FHIR, end to end, with the
/// production round settle (15 min): a C1D1 tarlatamab dose, the physician's move to home monitoring, the caregiver's
/// attestation, the patch and the cuff enrolled and streaming (10-minute gateway uploads), the patch off for 40 minutes,
/// the take-home dexamethasone reported over FHIR (MedicationStatement) and afebrile hypotension after it, a
/// caregiver-reported confusion through the check-in code, a temperature rise. The clock visits every round-settle and
/// data-gap instant, as the service's passes would. Expected, exactly: one <c>no-data</c> alert (raised when the patch's
/// grace ran out at 8:15, resolved by the system when its data came back), one <c>clinician-review</c> (CRS-AFEBRILE:
/// the hypotension at 18:00 with no fever, two hours after the reported steroid: suspected masked fever), one
/// <c>assess-ice-now</c> (caregiver-reported), one <c>crs</c> at grade 1 (fever from 24:52); nothing else (home windows
/// have no nurse checks; the observed window was closed with a decision). The pre-fever watch breaks before the fever,
/// and the virtual ward shows each state as it happens. Without the reported dexamethasone the same hypotension is grade 0
/// with <c>afebrile-support</c> and no alert: that difference is the home medication counting.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class HomeCourseTests(StorageProvider provider)
{
    private const string Patient = "p-home";
    private const string Ward = "VW";
    private static readonly DateTimeOffset Dose = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private HttpClient integration = null!;
    private HttpClient nurse = null!;
    private HttpClient physician = null!;

    private static DateTimeOffset H(double hours) => Dose.AddHours(hours);

    [SetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = Alerts.RoundSettleKit.Host(database, H(-3));
        integration = FreshClient(host, Roles.Integration);
        nurse = FreshClient(host, Roles.Nurse, Ward);
        physician = FreshClient(host, Roles.Physician, Ward);
        await AdmitAsync(integration, Patient, Ward);
    }

    [TearDown]
    public async Task StopAsync()
    {
        integration.Dispose();
        nurse.Dispose();
        physician.Dispose();
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    [Test]
    public async Task HomeCourse48h_GivesExactlyTheExpectedAlerts_States_AndVirtualWard()
    {
        var seen = await PlayAsync(reportDexamethasone: true);
        var alerts = await AlertsOfAsync(nurse, Patient);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(alerts.Select(a => $"{a!["condition"]} {a["grade"]?.ToString() ?? "-"} {a["state"]}").Order(),
                Is.EqualTo(new[] { "assess-ice-now - raised", "clinician-review - raised", "crs 1 raised", "no-data - resolved" }));

            var gap = Single(alerts, "no-data");
            Assert.That(gap["raisedAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(H(8.25)), "7:59 + 60 s cadence + 900 s grace (and 7:58 + 120 s + 900 s)");
            Assert.That(Actions(gap), Does.Contain("resolved"));
            Assert.That(seen.NoDataAt820, Is.EquivalentTo(new[] { Signals.HeartRate, Signals.RespiratoryRate, Signals.Spo2, Signals.Temperature }), "the patch's signals, not the cuff's");
            Assert.That(seen.NoDataAt850, Is.Empty, "data resumed at 8:40, uploaded at 8:50");

            var ice = Single(alerts, "assess-ice-now");
            Assert.That(ice["raisedAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(H(20)));
            Assert.That(ice.ToJsonString(), Does.Contain("caregiver"));

            var review = Single(alerts, "clinician-review");
            Assert.That(RuleIds(review), Does.Contain("CRS-AFEBRILE"), "afebrile hypotension 2 h after the reported dexamethasone");
            Assert.That(review["raisedAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(H(18) + TimeSpan.FromMinutes(10) + Alerts.RoundSettleKit.Settle), "uploaded 18:10, settled 15 min later");

            var crs = Single(alerts, "crs");
            Assert.That(RuleIds(crs), Does.Contain("CRS-FEVER"));
            Assert.That(crs["raisedAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(H(25) + Alerts.RoundSettleKit.Settle), "the round of the first fever (24:52, uploaded 25:00) settles 15 min later");
        }

        var status = await StatusAsync(nurse, Patient);
        var episode = status["episodes"]!.AsArray().Single(e => e!["scale"]!.GetValue<string>() == "crs")!;
        var readings = HomeCourse.Readings(Dose);
        var feverAt = readings.First(r => r.Signal == HomeSignal.Temperature && r.Value >= 38.0m).At;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(episode["onset"]!.GetValue<DateTimeOffset>(), Is.EqualTo(feverAt));
            Assert.That(episode["maxGrade"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(episode["timeOfMax"]!.GetValue<DateTimeOffset>(), Is.EqualTo(feverAt));

            var watch = seen.WatchAt25;
            var threshold = watch["threshold"]!.GetValue<decimal>();
            Assert.That(threshold, Is.EqualTo(ExpectedThreshold(readings)), "mean + max(2 SD, 0.5 °C) of the 24 h before the dose, rounded up to 0.001 °C");
            var breach = readings.Where(r => r.Signal == HomeSignal.Temperature && r.At > Dose && r.Value > threshold).First().At;
            Assert.That(watch["firstBreachAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(breach));
            Assert.That(watch["feverAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(feverAt));
            Assert.That(watch["leadMinutes"]!.GetValue<double>(), Is.EqualTo((feverAt - breach).TotalMinutes));
            Assert.That(breach, Is.LessThan(feverAt), "the watch breaks before the fever");
            Assert.That(seen.WatchStateAt2445, Is.EqualTo("raised"), "sustained above the baseline, no fever yet: a watch, not a grade");
            Assert.That(seen.CrsAt2445, Is.EqualTo("0"), "the watch is no grade");

            Assert.That(seen.WornMinutesAt12, Is.EqualTo(12 * 60 - 40), "the patch off 8:00-8:40");
            Assert.That(seen.WardOrderAt820, Is.EqualTo(new[] { Patient }), "the inpatient with no device is not on the virtual ward");
            Assert.That(seen.CrsAt1830, Does.StartWith("suspected-masked-fever"), "CRS-AFEBRILE: not-gradable, never 0, never a grade picked alone");
        }
    }

    [Test]
    public async Task HomeCourse48h_WithoutTheReportedDexamethasone_TheHypotensionIsGrade0AfebrileSupport_NoReviewAlert()
    {
        var seen = await PlayAsync(reportDexamethasone: false);
        var alerts = await AlertsOfAsync(nurse, Patient);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(alerts.Select(a => $"{a!["condition"]} {a["grade"]?.ToString() ?? "-"} {a["state"]}").Order(),
                Is.EqualTo(new[] { "assess-ice-now - raised", "crs 1 raised", "no-data - resolved" }));
            Assert.That(seen.CrsAt1830, Is.EqualTo("0 afebrile-support"), "ASTCT requires fever: support CRS does not explain");
        }
    }

    /// <summary>What the course saw on the way (the virtual ward and the status at given instants).</summary>
    private sealed record Seen(
        IReadOnlyList<string> NoDataAt820, IReadOnlyList<string> NoDataAt850, IReadOnlyList<string> WardOrderAt820, int WornMinutesAt12,
        string WatchStateAt2445, string CrsAt2445, JsonNode WatchAt25, string CrsAt1830);

    private async Task<Seen> PlayAsync(bool reportDexamethasone)
    {
        var readings = HomeCourse.Readings(Dose);
        await AdmitAsync(integration, "p-ward", Ward); // an inpatient of the same unit, no device: not on the virtual ward
        await StepToAsync(H(-2));
        await EnrolAsync(HomeCourse.Patch(Patient), """[{"signal":"temperature","everySeconds":120},{"signal":"heart-rate","everySeconds":60},{"signal":"spo2","everySeconds":60},{"signal":"respiratory-rate","everySeconds":60}]""");
        await EnrolAsync(HomeCourse.Cuff(Patient), """[{"signal":"blood-pressure","everySeconds":21600}]""");

        IReadOnlyList<string> noData820 = [], noData850 = [], order820 = [];
        int worn12 = -1;
        string watch2445 = "", crs2445 = "";
        JsonNode? watch25 = null;
        var crs1830 = "";
        for (var blockEnd = H(-2).AddMinutes(10); blockEnd <= H(48).AddMinutes(10); blockEnd = blockEnd.AddMinutes(10))
        {
            var blockStart = blockEnd.AddMinutes(-10);
            await BeforeBlockAsync(blockStart, reportDexamethasone);
            await StepToAsync(blockEnd);
            var block = readings.Where(r => r.At >= blockStart && r.At < blockEnd).ToList();
            if (block.Count > 0)
            {
                await Ok(await integration.PostAsync("/fhir", Body(HomeCourse.Bundle(Patient, block))));
            }

            if (blockEnd == H(8) + TimeSpan.FromMinutes(20))
            {
                var ward = await WardAsync();
                noData820 = NoData(ward);
                order820 = [.. ward["patients"]!.AsArray().Select(p => p!["patientId"]!.GetValue<string>())];
            }
            else if (blockEnd == H(8) + TimeSpan.FromMinutes(50))
            {
                noData850 = NoData(await WardAsync());
            }
            else if (blockEnd == H(12))
            {
                worn12 = Row(await WardAsync())["wear"]!.AsArray().Single(w => w!["device"]!.GetValue<string>().EndsWith(HomeCourse.Patch(Patient), StringComparison.Ordinal))!["wornMinutes"]!.GetValue<int>();
            }
            else if (blockEnd == H(18.5))
            {
                var crs = (await StatusAsync(nurse, Patient))["crs"]!;
                crs1830 = $"{crs["grade"]?.ToString() ?? crs["reason"]!.GetValue<string>()} {string.Join(',', crs["flags"]!.AsArray().Select(f => f!.GetValue<string>()))}";
            }
            else if (blockEnd == H(24) + TimeSpan.FromMinutes(50))
            {
                var row = Row(await WardAsync());
                watch2445 = row["preFeverWatch"]!["state"]!.GetValue<string>();
                crs2445 = row["crs"]!["grade"]?.ToString() ?? "none";
            }
            else if (blockEnd == H(25))
            {
                watch25 = (await StatusAsync(nurse, Patient))["preFeverWatch"]!;
            }
        }

        return new Seen(noData820, noData850, order820, worn12, watch2445, crs2445, watch25!, crs1830);
    }

    /// <summary>What happens at the start of a block, before its readings are uploaded at its end.</summary>
    private async Task BeforeBlockAsync(DateTimeOffset at, bool reportDexamethasone)
    {
        if (at == Dose)
        {
            await StepToAsync(at);
            await Ok(await integration.PutAsync($"/fhir/MedicationAdministration/dose-{Patient}", Body(Tarlatamab(Patient, Dose, null).Replace("{\"resourceType\":\"MedicationAdministration\",", $"{{\"resourceType\":\"MedicationAdministration\",\"id\":\"dose-{Patient}\",", StringComparison.Ordinal))));
            await StepToAsync(at.AddMinutes(5));
            await Ok(await physician.PostAsync($"/api/patients/{Patient}/setting", ServiceHost.Json("""{"setting":"home","reason":"hospital at home: patch and cuff fitted, caregiver present"}""")));
            await AttestAsync("c1-observed");
        }
        else if (at == H(1))
        {
            await StepToAsync(at);
            await Ok(await integration.PutAsync($"/fhir/MedicationAdministration/dose-{Patient}", Body(Tarlatamab(Patient, Dose, H(1)).Replace("{\"resourceType\":\"MedicationAdministration\",", $"{{\"resourceType\":\"MedicationAdministration\",\"id\":\"dose-{Patient}\",", StringComparison.Ordinal))));
        }
        else if (at == H(20))
        {
            await StepToAsync(at);
            var code = JsonNode.Parse(await Ok(await nurse.PostAsync($"/api/patients/{Patient}/checkin-code", ServiceHost.Json("{}"))))!["code"]!.GetValue<string>();
            using var caregiver = host.CreateClient();
            await Ok(await caregiver.PostAsync("/api/checkin/submissions", ServiceHost.Json($$"""{"code":"{{code}}","reportedBy":"caregiver","symptoms":["confusion"],"medicines":[]}""")));
            await StepToAsync(at.AddMinutes(5));
            await PostAsync(nurse, "QuestionnaireResponse", NeuroCheck(Patient, at.AddMinutes(5), new Alerts.Ice()));
        }
        else if (at == H(23))
        {
            await StepToAsync(at);
            var observed = Window(await StatusAsync(nurse, Patient), "c1-observed")["id"]!.GetValue<string>();
            await Ok(await physician.PostAsync($"/api/windows/{observed}/close", ServiceHost.Json("""{"decision":"discharge","reason":"23 h at home without CRS; stays within an hour with the caregiver"}""")));
            await AttestAsync("c1-proximity");
        }
        else if (at == Dose + HomeCourse.DexamethasoneAt && reportDexamethasone)
        {
            await StepToAsync(at);
            await PostAsync(integration, "MedicationStatement", Dexamethasone(at));
        }
    }

    private async Task AttestAsync(string protocolWindow)
    {
        var window = Window(await StatusAsync(nurse, Patient), protocolWindow)["id"]!.GetValue<string>();
        await Ok(await nurse.PostAsync($"/api/windows/{window}/attest", ServiceHost.Json("""{"caregiverName":"Ann Smith","caregiverRelationship":"spouse","caregiverPhone":"+1 555 0100","travelMinutes":20}""")));
    }

    private static string Dexamethasone(DateTimeOffset at) => $$$"""
        {"resourceType":"MedicationStatement","status":"completed","medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"3264"}]},
         "subject":{"reference":"Patient/{{{Patient}}}"},"effectiveDateTime":"{{{Iso(at)}}}","dateAsserted":"{{{Iso(at)}}}",
         "informationSource":{"type":"RelatedPerson","display":"Ann Smith (spouse)"},
         "dosage":[{"text":"dexamethasone 8 mg by mouth (take-home)"}]}
        """;

    private async Task EnrolAsync(string device, string signals) =>
        await Ok(await nurse.PostAsync($"/api/patients/{Patient}/devices", ServiceHost.Json($$"""{"device":"urn:home:device|{{device}}","signals":{{signals}},"graceSeconds":900,"reason":"home monitoring kit"}""")));

    /// <summary>
    /// Moves the clock to <paramref name="target"/>, stopping at every round-settle and data-gap instant due on the way,
    /// where Quartz settles and one pass of each worker runs (as the service's timers would, at that instant).
    /// </summary>
    private async Task StepToAsync(DateTimeOffset target)
    {
        while (await NextDueAsync() is { } due && due <= target)
        {
            await StopAtAsync(due);
        }

        await StopAtAsync(target);
    }

    private async Task StopAtAsync(DateTimeOffset at)
    {
        if (at > host.Time.GetUtcNow())
        {
            host.Time.SetUtcNow(at);
        }

        await SettleAsync(host);
        await host.Services.GetRequiredService<Service.Alerts.RoundSettleWorker>().RunOnceAsync(CancellationToken.None);
        await host.Services.GetRequiredService<DeviceGapWorker>().RunOnceAsync(CancellationToken.None);
    }

    private async Task<DateTimeOffset?> NextDueAsync()
    {
        await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        var round = await connection.ExecuteScalarAsync<object?>("SELECT MIN(due_at) FROM alert_round_settle");
        var stream = await connection.ExecuteScalarAsync<object?>("SELECT MIN(due_at) FROM device_stream");
        DateTimeOffset? Of(object? value) => value is null or DBNull ? null : DbTypes.ReadInstant(value);
        var next = new[] { Of(round), Of(stream) }.Where(d => d is not null && d > host.Time.GetUtcNow()).Min();
        return next;
    }

    private async Task<JsonNode> WardAsync() => JsonNode.Parse(await Ok(await nurse.GetAsync($"/api/units/{Ward}/virtual-ward")))!;

    private static JsonNode Row(JsonNode ward) => ward["patients"]!.AsArray().Single(p => p!["patientId"]!.GetValue<string>() == Patient)!;

    private static IReadOnlyList<string> NoData(JsonNode ward) =>
        [.. Row(ward)["signals"]!.AsArray().Where(s => s!["stream"]!.GetValue<string>() == StreamStateNames.NoData).Select(s => s!["signal"]!.GetValue<string>())];

    private static JsonNode Window(JsonNode status, string id) =>
        status["windows"]!.AsArray().Single(w => w!["protocolWindowId"]!.GetValue<string>() == id)!;

    /// <summary>The pre-fever threshold computed here, independently: mean + max(2 × sample SD, 0.5) of the temperatures of the 24 h before the dose, rounded up to 0.001.</summary>
    private static decimal ExpectedThreshold(IReadOnlyList<HomeReading> readings)
    {
        var baseline = readings.Where(r => r.Signal == HomeSignal.Temperature && r.At >= Dose.AddHours(-24) && r.At < Dose).Select(r => (double)r.Value).ToList();
        var mean = baseline.Average();
        var sd = Math.Sqrt(baseline.Sum(v => (v - mean) * (v - mean)) / (baseline.Count - 1));
        var threshold = mean + Math.Max(2 * sd, 0.5);
        return Math.Ceiling((decimal)threshold * 1000m) / 1000m;
    }
}
