using System.Text.Json.Nodes;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Monitoring.Outpatient;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Dapper;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using static CrsMonitor.Service.Tests.Monitoring.Schedule.MonitoringHost;

namespace CrsMonitor.Service.Tests.Monitoring.Outpatient;

/// <summary>
/// Issue 17 item 3: the pre-fever watch on both sides of each threshold with exact instants (fake clock, FHIR writes),
/// a state on the status and census and never a grade or an alert, stored so a restart loses nothing.
/// Defaults: baseline 24 h before the dose, at least 3 readings, threshold mean + max(2 SD, 0.5 °C), sustained over 2
/// readings spanning 10 minutes.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class PreFeverWatchTests(StorageProvider provider)
{
    private static readonly DateTimeOffset Dose = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private HttpClient integration = null!;
    private HttpClient nurse = null!;

    [SetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = new ServiceHost(database.HostSettings);
        host.Time.SetUtcNow(Dose.AddHours(-6));
        integration = FreshClient(host, Roles.Integration);
        nurse = FreshClient(host, Roles.Nurse, Unit);
        await AdmitAsync(integration, "p", Unit);
        foreach (var hours in new[] { -5, -4, -3 })
        {
            await TemperatureAsync(Dose.AddHours(hours), 36.8m); // mean 36.8, SD 0: threshold 36.8 + 0.5 = 37.3
        }

        host.Time.SetUtcNow(Dose.AddHours(1));
        await Ok(await integration.PostAsync("/fhir/MedicationAdministration", Body(Tarlatamab("p", Dose, Dose.AddHours(1)))));
    }

    [TearDown]
    public async Task StopAsync()
    {
        integration.Dispose();
        nurse.Dispose();
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    private async Task TemperatureAsync(DateTimeOffset at, decimal celsius)
    {
        if (host.Time.GetUtcNow() < at)
        {
            host.Time.SetUtcNow(at);
        }

        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature("p", celsius, "Cel", at))));
    }

    private async Task<JsonNode> WatchAsync() => (await StatusAsync(nurse, "p"))["preFeverWatch"]!;

    [Test]
    public async Task Baseline_FromTheThreeReadingsBeforeTheDose()
    {
        var watch = await WatchAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(watch["state"]!.GetValue<string>(), Is.EqualTo("watching"));
            Assert.That(watch["baselineSource"]!.GetValue<string>(), Is.EqualTo("before-dose"));
            Assert.That((watch["baselineCount"]!.GetValue<int>(), watch["baselineMean"]!.GetValue<decimal>(), watch["baselineSd"]!.GetValue<decimal>(), watch["threshold"]!.GetValue<decimal>()),
                Is.EqualTo((3, 36.8m, 0m, 37.3m)));
        }
    }

    [Test]
    public async Task AtTheThreshold_NoBreach_JustAbove_ABreach_SustainedAt10Minutes_NotAt9()
    {
        await TemperatureAsync(Dose.AddHours(2), 37.3m);                   // at the threshold: no breach
        await TemperatureAsync(Dose.AddHours(2).AddMinutes(5), 37.31m);    // breach 1
        await TemperatureAsync(Dose.AddHours(2).AddMinutes(14), 37.4m);    // breach 2, 9 minutes after the first: not sustained
        Assert.That((await WatchAsync())["state"]!.GetValue<string>(), Is.EqualTo("watching"));
        await TemperatureAsync(Dose.AddHours(2).AddMinutes(15), 37.5m);    // 10 minutes: raised
        var raised = await WatchAsync();
        var census = JsonNode.Parse(await Ok(await nurse.GetAsync($"/api/units/{Unit}/patients")))!["patients"]![0]!;
        var status = await StatusAsync(nurse, "p");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(raised["state"]!.GetValue<string>(), Is.EqualTo("raised"));
            Assert.That(raised["firstBreachAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(Dose.AddHours(2).AddMinutes(5)));
            Assert.That(raised["raisedAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(Dose.AddHours(2).AddMinutes(15)));
            Assert.That(raised["feverAt"], Is.Null);
            Assert.That(census["preFeverWatch"]!["state"]!.GetValue<string>(), Is.EqualTo("raised"));
            Assert.That(status["crs"]!["grade"]?.GetValue<int>(), Is.Not.GreaterThan(0), "a watch is never a grade");
            Assert.That(status["alerts"]!.AsArray().Select(a => a!["condition"]!.GetValue<string>()), Has.None.Contains("fever").And.None.Contains("watch"),
                "a watch is never an alert");
        }

        await TemperatureAsync(Dose.AddHours(3), 37.2m);
        Assert.That((await WatchAsync())["state"]!.GetValue<string>(), Is.EqualTo("subsided"));
    }

    [Test]
    public async Task OneSpike_IsNoWatch()
    {
        await TemperatureAsync(Dose.AddHours(2), 37.9m);
        await TemperatureAsync(Dose.AddHours(2).AddMinutes(30), 37.0m);
        await TemperatureAsync(Dose.AddHours(3), 37.0m);
        var watch = await WatchAsync();
        Assert.That((watch["state"]!.GetValue<string>(), watch["firstBreachAt"]), Is.EqualTo(("watching", (JsonNode?)null)));
    }

    [Test]
    public async Task Fever_IsRecordedWithTheLeadTimeOverTheFirstBreach_37Point99IsNoFever()
    {
        await TemperatureAsync(Dose.AddHours(4), 37.6m);
        await TemperatureAsync(Dose.AddHours(4).AddMinutes(20), 37.8m);
        await TemperatureAsync(Dose.AddHours(5), 37.99m);
        Assert.That((await WatchAsync())["feverAt"], Is.Null, "37.99 °C is no fever");
        await TemperatureAsync(Dose.AddHours(6), 38.0m);
        var watch = await WatchAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(watch["state"]!.GetValue<string>(), Is.EqualTo("fever"));
            Assert.That(watch["firstBreachAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(Dose.AddHours(4)));
            Assert.That(watch["raisedAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(Dose.AddHours(4).AddMinutes(20)));
            Assert.That(watch["feverAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(Dose.AddHours(6)));
            Assert.That(watch["leadMinutes"]!.GetValue<double>(), Is.EqualTo(120d));
        }
    }

    [Test]
    public async Task ALateReadingInsideWhatWasScanned_RescansTheWindow()
    {
        await TemperatureAsync(Dose.AddHours(2), 37.5m);
        await TemperatureAsync(Dose.AddHours(3), 37.0m);
        await TemperatureAsync(Dose.AddHours(2).AddMinutes(30), 37.6m); // late: with 2 h it makes a sustained run
        var watch = await WatchAsync();
        Assert.That((watch["firstBreachAt"]!.GetValue<DateTimeOffset>(), watch["raisedAt"]!.GetValue<DateTimeOffset>(), watch["state"]!.GetValue<string>()),
            Is.EqualTo((Dose.AddHours(2), Dose.AddHours(2).AddMinutes(30), "subsided")));
    }

    [Test]
    public async Task TheWatch_IsStoredRows_ARestartShowsTheSame()
    {
        await TemperatureAsync(Dose.AddHours(2), 37.5m);
        await TemperatureAsync(Dose.AddHours(2).AddMinutes(10), 37.5m);
        var before = (await WatchAsync()).ToJsonString();
        await using (var c = await database.Database.OpenAsync(CancellationToken.None))
        {
            Assert.That(await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM pre_fever_watch WHERE raised_at IS NOT NULL"), Is.EqualTo(1));
        }

        var now = host.Time.GetUtcNow();
        await host.DisposeAsync();
        host = new ServiceHost(database.HostSettings);
        host.Time.SetUtcNow(now);
        nurse.Dispose();
        nurse = FreshClient(host, Roles.Nurse, Unit);
        integration.Dispose();
        integration = FreshClient(host, Roles.Integration);
        Assert.That((await WatchAsync()).ToJsonString(), Is.EqualTo(before));
    }
}

/// <summary>The watch's arithmetic (pure): baselines, the scan, the settings' validator.</summary>
public sealed class PreFeverWatchRulesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    private static TemperatureRow At(int minutes, decimal value) => new() { At = T0.AddMinutes(minutes), Value = value };

    [Test]
    public void Baseline_SdAboveTheMinimumRise_UsesKTimesSd_RoundedUpTo0Point001()
    {
        // 36.5, 36.9, 37.3: mean 36.9, SD 0.4, 2 SD 0.8 > 0.5: threshold 37.7.
        var b = Baseline.Of([At(0, 36.5m), At(1, 36.9m), At(2, 37.3m)], new PreFeverWatchSettings())!;
        Assert.That((b.Count, b.Mean, b.Sd, b.Threshold), Is.EqualTo((3, 36.9m, 0.4m, 37.7m)));
        var odd = Baseline.Of([At(0, 36.6m), At(1, 36.7m), At(2, 36.9m)], new PreFeverWatchSettings())!;
        Assert.That(odd.Threshold, Is.EqualTo(37.234m), "36.7333... + 0.5 rounded up to 0.001 °C");
    }

    [Test]
    public void Baseline_NeedsTheMinimumCount()
    {
        var settings = new PreFeverWatchSettings { MinimumBaselineReadings = 3 };
        Assert.That(Baseline.Of([At(0, 36.5m), At(1, 36.9m)], settings), Is.Null);
        Assert.That(Baseline.Of([At(0, 36.5m), At(1, 36.9m), At(2, 36.7m)], settings), Is.Not.Null);
    }

    [Test]
    public void Scan_SustainedByReadings_ThreeNeeded_TwoAreNot()
    {
        var settings = new PreFeverWatchSettings { SustainedReadings = 3, SustainedMinutes = 0 };
        var row = new WatchRow { Threshold = 37.3m, ScanFrom = T0 };
        PreFeverWatch.Scan(row, 37.3m, [At(0, 37.4m), At(2, 37.4m)], settings);
        Assert.That(row.RaisedAt, Is.Null);
        PreFeverWatch.Scan(row, 37.3m, [At(4, 37.4m)], settings);
        Assert.That((row.FirstBreachAt, row.RaisedAt, PreFeverWatch.StateOf(row, settings)), Is.EqualTo(((DateTimeOffset?)T0, (DateTimeOffset?)T0.AddMinutes(4), WatchState.Raised)));
    }

    [TestCase(nameof(PreFeverWatchSettings.MinimumBaselineReadings), 1, "PreFeverWatch:MinimumBaselineReadings: 1 must be from 2 to 1000")]
    [TestCase(nameof(PreFeverWatchSettings.SustainedReadings), 0, "PreFeverWatch:SustainedReadings: 0 must be from 1 to 100")]
    [TestCase(nameof(PreFeverWatchSettings.BaselineHoursBeforeDose), 169, "PreFeverWatch:BaselineHoursBeforeDose: 169 must be from 1 to 168")]
    [TestCase(nameof(PreFeverWatchSettings.SustainedMinutes), 241, "PreFeverWatch:SustainedMinutes: 241 must be from 0 to 240")]
    public void Validator_NamesTheSetting(string name, int value, string message)
    {
        var settings = new PreFeverWatchSettings();
        typeof(PreFeverWatchSettings).GetProperty(name)!.SetValue(settings, value);
        var result = new PreFeverWatchSettingsValidator().Validate(null, settings);
        Assert.That(result.Failures!.Single(), Does.StartWith(message));
        Assert.That(new PreFeverWatchSettingsValidator().Validate(null, new PreFeverWatchSettings()).Succeeded, Is.True);
    }

    [Test]
    public void Validator_RiseAndMultiplier_BothSides()
    {
        var validator = new PreFeverWatchSettingsValidator();
        Assert.That(validator.Validate(null, new PreFeverWatchSettings { MinimumRiseCelsius = 0.1m, SdMultiplier = 0.5m }).Succeeded, Is.True);
        Assert.That(validator.Validate(null, new PreFeverWatchSettings { MinimumRiseCelsius = 0.09m }).Failures!.Single(), Does.StartWith("PreFeverWatch:MinimumRiseCelsius: 0.09"));
        Assert.That(validator.Validate(null, new PreFeverWatchSettings { SdMultiplier = 6.01m }).Failures!.Single(), Does.StartWith("PreFeverWatch:SdMultiplier: 6.01"));
    }

    [Test]
    public void AnUnknownKeyStopsStartUp()
    {
        using var host = new ServiceHost(new Dictionary<string, string?> { ["PreFeverWatch:SdMultipler"] = "2" });
        var e = Assert.Catch(() => host.CreateClient());
        Assert.That(e!.ToString(), Does.Contain("PreFeverWatch").And.Contain("SdMultipler"));
    }
}
