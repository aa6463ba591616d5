using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using static CrsMonitor.Service.Tests.Alerts.AlertKit;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using static CrsMonitor.Service.Tests.Monitoring.Schedule.MonitoringHost;

namespace CrsMonitor.Service.Tests.Alerts;

/// <summary>
/// The alert rule table through the FHIR endpoint and the alerts API: new CRS or ICANS grade ≥ 1 (boundaries on both
/// sides), a worse grade updates the same alert, a not-gradable result for a missing input raises nothing, SpO2 below
/// 90 % with no oxygen documented, overdue checks, a window past its maximum without a decision, CRS during a running
/// infusion, grade 4 CRS. Each alert names its triggering readings, the grade basis (rules, inputs) and, where the
/// protocol has it, the management text with its source and version. Every alert is checked against alert.schema.json.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class AlertRuleTests(StorageProvider provider)
{
    private const string Protocol = "tarlatamab-us-2025-11";

    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private HttpClient integration = null!;
    private HttpClient nurse = null!;

    [SetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = Listening(database, Day);
        integration = FreshClient(host, "integration");
        nurse = FreshClient(host, "nurse", West);
    }

    [TearDown]
    public async Task StopAsync()
    {
        integration.Dispose();
        nurse.Dispose();
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    [Test]
    public async Task Fever_AtExactly38_RaisesCrsGrade1_WithItsReading_RulesAndInputs_AndTheProtocolsManagementText_37Point9RaisesNothing()
    {
        await AdmitAsync(integration, "p-fever", West);
        await ObservationAsync(integration, Temperature("p-fever", 37.9m, "Cel", Day.AddMinutes(-30)));
        Assert.That(OfCondition(await AlertsOfAsync(nurse, "p-fever"), "crs"), Is.Empty, "37.9 °C is not fever");

        var fever = await ObservationAsync(integration, Temperature("p-fever", 38.0m, "Cel", Day.AddMinutes(-10)));
        var crs = Single(await AlertsOfAsync(nurse, "p-fever"), "crs");
        var input = crs["basis"]!["inputs"]!.AsArray().Single(i => i!["name"]!.GetValue<string>() == "temperature")!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(crs["grade"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(Text(crs, "state"), Is.EqualTo("raised"));
            Assert.That(Text(crs, "title"), Is.EqualTo("CRS grade 1"));
            Assert.That(Text(crs, "unit"), Is.EqualTo(West));
            Assert.That(crs["raisedAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(Day));
            Assert.That(ReadingsOf(crs), Is.EqualTo(new[] { $"Observation/{fever}" }), "the triggering reading");
            Assert.That(RuleIds(crs), Is.SupersetOf(new[] { "CRS-FEVER", "CRS-MAX" }));
            Assert.That(Text(crs["basis"]!, "system"), Is.EqualTo("ASTCT-2019"));
            Assert.That(Text(input, "source"), Is.EqualTo($"Observation/{fever}/_history/1"));
            Assert.That(Text(input, "value"), Does.StartWith("38"));
            Assert.That(input["at"]!.GetValue<DateTimeOffset>(), Is.EqualTo(Day.AddMinutes(-10)));
            Assert.That(Text(crs["management"]!, "text"), Is.EqualTo("Withhold tarlatamab until the CRS resolves. Symptomatic treatment; consider dexamethasone 4 to 10 mg."));
            Assert.That(Text(crs["management"]!, "source"), Is.EqualTo("Label Table 5 (CRS), grade 1"));
            Assert.That(Text(crs["management"]!, "protocolId"), Is.EqualTo(Protocol));
            Assert.That(Text(crs["management"]!, "protocolVersion"), Is.EqualTo("2025-11"));
            Assert.That(Text(crs["management"]!, "note"), Does.Contain("not an order"));
            Assert.That(Tier(crs), Is.Zero);
            Assert.That(Text(crs["escalation"]!, "tierName"), Is.EqualTo("unit-nurses"));
            Assert.That(NextAt(crs), Is.EqualTo(Day.AddMinutes(5)));
            Assert.That(Actions(crs), Is.EqualTo(new[] { "raised" }));
        }
    }

    [Test]
    public async Task WorseGrade_UpdatesTheSameAlertInPlace_Grade4AddsPermanentlyDiscontinue_ABetterGradeKeepsTheWorst()
    {
        await AdmitAsync(integration, "p-worse", West);
        var fever = await ObservationAsync(integration, Temperature("p-worse", 38.5m, "Cel", Day.AddMinutes(-40)));
        var first = Single(await AlertsOfAsync(nurse, "p-worse"), "crs");

        host.Time.Advance(TimeSpan.FromMinutes(1));
        var cannula = await ObservationAsync(integration, OxygenDevice("p-worse", "nasal-cannula", Day.AddMinutes(-30), flow: 6.0m));
        var second = Single(await AlertsOfAsync(nurse, "p-worse"), "crs");

        host.Time.Advance(TimeSpan.FromMinutes(1));
        var bipap = await ObservationAsync(integration, OxygenDevice("p-worse", "bipap", Day.AddMinutes(-20)));
        var alerts = await AlertsOfAsync(nurse, "p-worse");
        var fourth = Single(alerts, "crs");
        var discontinue = Single(alerts, "permanently-discontinue");

        host.Time.Advance(TimeSpan.FromMinutes(1));
        await ObservationAsync(integration, OxygenDevice("p-worse", "room-air", Day.AddMinutes(-10)));
        var better = Single(await AlertsOfAsync(nurse, "p-worse"), "crs");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first["grade"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(second["grade"]!.GetValue<int>(), Is.EqualTo(2), "6.0 L/min nasal cannula is grade 2");
            Assert.That(fourth["grade"]!.GetValue<int>(), Is.EqualTo(4));
            Assert.That(new[] { second, fourth, better }.Select(a => Text(a, "id")), Is.All.EqualTo(Text(first, "id")), "one alert, updated in place");
            Assert.That(Text(fourth, "title"), Is.EqualTo("CRS grade 4"));
            Assert.That(second["seq"]!.GetValue<long>(), Is.GreaterThan(first["seq"]!.GetValue<long>()));
            Assert.That(ReadingsOf(second), Is.SupersetOf(new[] { $"Observation/{fever}", $"Observation/{cannula}" }), "grade 2 rests on the fever and the cannula");
            Assert.That(ReadingsOf(fourth), Is.SupersetOf(new[] { $"Observation/{fever}", $"Observation/{bipap}" }));
            Assert.That(RuleIds(second), Does.Contain("CRS-O2"));
            Assert.That(Text(second["management"]!, "source"), Is.EqualTo("Label Table 5 (CRS), grade 2"));
            Assert.That(Text(fourth["management"]!, "text"), Is.EqualTo("Permanently discontinue tarlatamab (P07)."));
            Assert.That(Actions(fourth), Is.EqualTo(new[] { "raised", "updated", "updated" }));
            Assert.That(fourth["actions"]!.AsArray().Skip(1).Select(a => a!["note"]!.GetValue<string>()), Is.EqualTo(new[] { "grade 2", "grade 4" }));

            Assert.That(discontinue["grade"]!.GetValue<int>(), Is.EqualTo(4));
            Assert.That(Text(discontinue, "title"), Does.Contain("permanently discontinue"));
            Assert.That(Text(discontinue["management"]!, "text"), Is.EqualTo("Permanently discontinue tarlatamab (P07)."));
            Assert.That(Text(discontinue["management"]!, "source"), Is.EqualTo("Label Table 5 (CRS), grade 4"));
            Assert.That(Text(discontinue["management"]!, "protocolVersion"), Is.EqualTo("2025-11"));
            Assert.That(ReadingsOf(discontinue), Does.Contain($"Observation/{bipap}"));

            Assert.That(better["grade"]!.GetValue<int>(), Is.EqualTo(4), "an alert keeps its worst grade");
            Assert.That(OfCondition(await AlertsOfAsync(nurse, "p-worse"), "permanently-discontinue"), Has.Count.EqualTo(1));
        }
    }

    [Test]
    public async Task Icans_Ice10RaisesNothing_Ice8RaisesGrade1_Ice5UpdatesItToGrade2()
    {
        await AdmitAsync(integration, "p-ice", West);
        await ObservationAsync(integration, Temperature("p-ice", 37.0m, "Cel", Day.AddMinutes(-50)));
        var normal = await PostAsync(nurse, "QuestionnaireResponse", NeuroCheck("p-ice", Day.AddMinutes(-40), new Ice()));
        Assert.That(OfCondition(await AlertsOfAsync(nurse, "p-ice"), "icans"), Is.Empty, "ICE 10, alert: grade 0");

        host.Time.Advance(TimeSpan.FromMinutes(1));
        var eight = await PostAsync(nurse, "QuestionnaireResponse", NeuroCheck("p-ice", Day.AddMinutes(-30), Ice.Eight));
        var one = Single(await AlertsOfAsync(nurse, "p-ice"), "icans");
        host.Time.Advance(TimeSpan.FromMinutes(1));
        var five = await PostAsync(nurse, "QuestionnaireResponse", NeuroCheck("p-ice", Day.AddMinutes(-20), Ice.Five));
        var two = Single(await AlertsOfAsync(nurse, "p-ice"), "icans");

        using (Assert.EnterMultipleScope())
        {
            Assert.That((Ice.Eight.Score, Ice.Five.Score), Is.EqualTo((8, 5)));
            Assert.That(one["grade"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(ReadingsOf(one), Does.Contain($"QuestionnaireResponse/{eight}"));
            Assert.That(ReadingsOf(one), Does.Not.Contain($"QuestionnaireResponse/{normal}"));
            Assert.That(two["grade"]!.GetValue<int>(), Is.EqualTo(2));
            Assert.That(Text(two, "id"), Is.EqualTo(Text(one, "id")));
            Assert.That(ReadingsOf(two), Does.Contain($"QuestionnaireResponse/{five}"));
            Assert.That(RuleIds(two), Does.Contain("ICANS-ICE"));
            Assert.That(Text(two["management"]!, "protocolId"), Is.EqualTo(Protocol));
            Assert.That(Text(two["management"]!, "text"), Does.Contain("ICANS, grade 2"));
        }
    }

    [Test]
    public async Task NotGradableOnlyForAMissingInput_OrSedated_RaisesNoAlert_TheStatusShowsIt_Section7()
    {
        // A sedated patient with no temperature: ICANS not gradable (sedated), CRS not gradable (no temperature).
        await AdmitAsync(integration, "p-review", West);
        await PostAsync(nurse, "QuestionnaireResponse", SedatedNeuroCheck("p-review", Day.AddMinutes(-15)));

        // A fever with no neuro check at all: ICANS cannot be graded (no neuro assessment); the fever raises CRS only.
        await AdmitAsync(integration, "p-no-neuro", West);
        await ObservationAsync(integration, Temperature("p-no-neuro", 38.2m, "Cel", Day.AddMinutes(-5)));
        var status = await StatusAsync(nurse, "p-review");
        var noNeuro = await StatusAsync(nurse, "p-no-neuro");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await AlertsOfAsync(nurse, "p-review"), Is.Empty, "section 7: a missing input and a sedated patient are shown, never pushed");
            Assert.That((await AlertsOfAsync(nurse, "p-no-neuro")).Select(a => Text(a!, "condition")), Is.EqualTo(new[] { "crs" }));
            Assert.That(Text(status["crs"]!, "reason"), Is.EqualTo("temperature-missing"));
            Assert.That(Text(status["icans"]!, "reason"), Is.EqualTo("sedated"));
            Assert.That(Text(noNeuro["icans"]!, "reason"), Is.EqualTo("ice-missing"));
        }
    }

    [Test]
    public async Task Spo2Below90_WithNoOxygenDocumented_RaisesAnAlert_90OrOxygenDocumentedDoesNot()
    {
        // Room air documented, SpO2 86 %: no support documented for a hypoxic patient.
        await AdmitAsync(integration, "p-room-air", West);
        await ObservationAsync(integration, Temperature("p-room-air", 37.1m, "Cel", Day.AddMinutes(-12)));
        await ObservationAsync(integration, OxygenDevice("p-room-air", "room-air", Day.AddMinutes(-11)));
        var low = await ObservationAsync(integration, Spo2("p-room-air", 86m, Day.AddMinutes(-10)));

        // No oxygen device documented at all, SpO2 86 %.
        await AdmitAsync(integration, "p-nothing", West);
        await ObservationAsync(integration, Temperature("p-nothing", 37.1m, "Cel", Day.AddMinutes(-12)));
        var undocumented = await ObservationAsync(integration, Spo2("p-nothing", 86m, Day.AddMinutes(-10)));

        // SpO2 exactly 90 % on room air; SpO2 86 % on a nasal cannula.
        await AdmitAsync(integration, "p-ninety", West);
        await ObservationAsync(integration, Temperature("p-ninety", 37.1m, "Cel", Day.AddMinutes(-12)));
        await ObservationAsync(integration, OxygenDevice("p-ninety", "room-air", Day.AddMinutes(-11)));
        await ObservationAsync(integration, Spo2("p-ninety", 90m, Day.AddMinutes(-10)));
        await AdmitAsync(integration, "p-cannula", West);
        await ObservationAsync(integration, Temperature("p-cannula", 37.1m, "Cel", Day.AddMinutes(-12)));
        await ObservationAsync(integration, OxygenDevice("p-cannula", "nasal-cannula", Day.AddMinutes(-11), flow: 2m));
        await ObservationAsync(integration, Spo2("p-cannula", 86m, Day.AddMinutes(-10)));

        var roomAir = OfCondition(await AlertsOfAsync(nurse, "p-room-air"), "spo2-without-oxygen");
        var nothing = OfCondition(await AlertsOfAsync(nurse, "p-nothing"), "spo2-without-oxygen");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(roomAir, Has.Count.EqualTo(1), "SpO2 86 % on room air");
            Assert.That(roomAir.Select(a => ReadingsOf(a)).SingleOrDefault(), Does.Contain($"Observation/{low}"));
            Assert.That(roomAir.Select(a => RuleIds(a)).SingleOrDefault(), Does.Contain("CRS-SPO2"));
            Assert.That(nothing, Has.Count.EqualTo(1), "SpO2 86 % and no oxygen documented at all (CRS-SPO2: no oxygen recorded)");
            Assert.That(nothing.Select(a => ReadingsOf(a)).SingleOrDefault(), Does.Contain($"Observation/{undocumented}"));
            Assert.That(OfCondition(await AlertsOfAsync(nurse, "p-ninety"), "spo2-without-oxygen"), Is.Empty, "90 % is not below 90 %");
            Assert.That(OfCondition(await AlertsOfAsync(nurse, "p-cannula"), "spo2-without-oxygen"), Is.Empty, "oxygen is documented");
            Assert.That(OfCondition(await AlertsOfAsync(nurse, "p-room-air"), "crs"), Is.Empty, "SpO2 does not grade CRS");
        }
    }

    [Test]
    public async Task CrsWhileTheInfusionRuns_SaysStopTheInfusion_WithTheLabelText_NotAfterItEnded()
    {
        await AdmitAsync(integration, "p-running", West);
        var infusion = await PostAsync(integration, "MedicationAdministration", Tarlatamab("p-running", Day.AddMinutes(-30), end: null));
        Assert.That(OfCondition(await AlertsOfAsync(nurse, "p-running"), "stop-infusion"), Is.Empty, "no CRS yet");
        var fever = await ObservationAsync(integration, Temperature("p-running", 38.3m, "Cel", Day.AddMinutes(-5)));
        var stop = Single(await AlertsOfAsync(nurse, "p-running"), "stop-infusion");

        await AdmitAsync(integration, "p-ended", West);
        await PostAsync(integration, "MedicationAdministration", Tarlatamab("p-ended", Day.AddHours(-3), Day.AddHours(-2)));
        await ObservationAsync(integration, Temperature("p-ended", 38.3m, "Cel", Day.AddMinutes(-5)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Text(stop, "episodeKey"), Is.EqualTo($"infusion:{infusion}"));
            Assert.That(stop["grade"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(Text(stop, "title"), Does.Contain("stop the infusion"));
            Assert.That(Text(stop["management"]!, "text"), Is.EqualTo("An infusion is in progress: at the first sign of CRS, stop the infusion."));
            Assert.That(Text(stop["management"]!, "source"), Does.StartWith("Label: cytokine release syndrome"));
            Assert.That(Text(stop["management"]!, "protocolId"), Is.EqualTo(Protocol));
            Assert.That(ReadingsOf(stop), Does.Contain($"Observation/{fever}"));
            Assert.That(OfCondition(await AlertsOfAsync(nurse, "p-ended"), "stop-infusion"), Is.Empty, "the infusion had ended");
            Assert.That(OfCondition(await AlertsOfAsync(nurse, "p-ended"), "crs"), Has.Count.EqualTo(1));
        }
    }

    [Test]
    public async Task MissedChecks_RaiseOneCheckOverdueAlertPerPatient_UpdatedAsMoreFallOverdue_AndTheWindowMaximumPassedWithoutADecision()
    {
        var dose = Day;
        await AdmitAsync(integration, "p-window", West);
        await AdmitAsync(integration, "p-decided", West);
        await PostAsync(integration, "MedicationAdministration", Tarlatamab("p-window", dose, dose.AddHours(1)));
        await PostAsync(integration, "MedicationAdministration", Tarlatamab("p-decided", dose, dose.AddHours(1)));
        await SettleAsync(host);

        // Vital signs are due every 4 h from the dose and overdue 15 min after; nothing is recorded.
        host.Time.SetUtcNow(dose.AddHours(4).AddMinutes(14));
        await SettleAsync(host);
        Assert.That(OfCondition(await AlertsOfAsync(nurse, "p-window"), "check-overdue"), Is.Empty, "not yet overdue at +4 h 14 min");

        host.Time.SetUtcNow(dose.AddHours(4).AddMinutes(15));
        await SettleAsync(host);
        var firstOverdue = Single(await AlertsOfAsync(nurse, "p-window"), "check-overdue");

        for (var hours = 5; hours <= 9; hours++)
        {
            host.Time.SetUtcNow(dose.AddHours(hours).AddMinutes(15));
            await SettleAsync(host);
        }

        var later = Single(await AlertsOfAsync(nurse, "p-window"), "check-overdue");
        Assert.That(OfCondition(await AlertsOfAsync(nurse, "p-window"), "window-maximum-passed"), Is.Empty);

        // A decision before the maximum for one patient; none for the other.
        var status = await StatusAsync(nurse, "p-decided");
        var observed = status["windows"]!.AsArray().Single(w => w!["protocolWindowId"]!.GetValue<string>() == "c1-observed")!["id"]!.GetValue<string>();
        for (var hours = 10; hours <= 23; hours++)
        {
            host.Time.SetUtcNow(dose.AddHours(hours));
            await SettleAsync(host);
        }

        await Ok(await nurse.PostAsync($"/api/windows/{observed}/close", ServiceHost.Json("""{"decision":"admit","reason":"kept in for observation"}""")));
        host.Time.SetUtcNow(dose.AddHours(24));
        await SettleAsync(host);
        var maximum = OfCondition(await AlertsOfAsync(nurse, "p-window"), "window-maximum-passed");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Text(firstOverdue, "title"), Is.EqualTo("Check overdue"));
            Assert.That(Text(firstOverdue, "message"), Does.Contain("vital-signs check due"));
            Assert.That(RuleIds(firstOverdue), Is.EqualTo(new[] { "check-overdue" }));
            Assert.That(firstOverdue["raisedAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(dose.AddHours(4).AddMinutes(15)));
            Assert.That(Text(later, "id"), Is.EqualTo(Text(firstOverdue, "id")), "one alert per patient, updated");
            Assert.That(Text(later, "episodeKey"), Is.EqualTo("checks"));
            Assert.That(Text(later, "title"), Does.Match(@"^\d+ checks overdue$"));
            Assert.That(RuleIds(later), Has.Count.GreaterThan(1));
            Assert.That(Actions(later), Does.Contain("updated"));
            Assert.That(maximum, Has.Count.EqualTo(1), "the observed window reached its maximum (+24 h) without a decision");
            Assert.That(maximum.Select(m => Text(m, "message")).SingleOrDefault(), Does.Contain("c1-observed"));
            Assert.That(OfCondition(await AlertsOfAsync(nurse, "p-decided"), "window-maximum-passed"), Is.Empty, "a decision was recorded");
        }
    }
}
