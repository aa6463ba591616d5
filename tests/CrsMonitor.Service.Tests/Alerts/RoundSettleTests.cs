using CrsMonitor.Service.Alerts;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Alerts.AlertKit;
using static CrsMonitor.Service.Tests.Alerts.RoundSettleKit;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using static CrsMonitor.Service.Tests.Monitoring.Schedule.MonitoringHost;

namespace CrsMonitor.Service.Tests.Alerts;

/// <summary>
/// The round settle (section 7: the alerts of a course never depend on the arrival order of a round's vital signs),
/// with the production setting (15 minutes): a round's reading-derived alerts are evaluated once, on the complete
/// round, when it is due; the grade on the status is immediate; the pending round is a row, so a restart loses nothing.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class RoundSettleTests(StorageProvider provider)
{
    private static readonly DateTimeOffset Round = Day;

    private TestDatabase database = null!;
    private ServiceHost host = null!;

    [SetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = Host(database, Round);
        using var integration = FreshClient(host, "integration");
        await AdmitAsync(integration, "p-round", West);
    }

    [TearDown]
    public async Task StopAsync()
    {
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    [Test]
    public async Task BloodPressureThenAFeverTenMinutesLater_NoAlertBeforeTheSettleInstant_OneCrsAlertAtIt_TheGradeAtOnce()
    {
        using var integration = FreshClient(host, "integration");
        using var nurse = FreshClient(host, "nurse", West);
        await ObservationAsync(integration, Systolic("p-round", 118m, Round));
        host.Time.SetUtcNow(Round.AddMinutes(10));
        await ObservationAsync(integration, Temperature("p-round", 38.4m, "Cel", Round.AddMinutes(10)));
        var status = await StatusAsync(nurse, "p-round");
        var beforeDue = await AlertsAtAsync(nurse, Round + Settle - TimeSpan.FromSeconds(1));
        var atDue = await AlertsAtAsync(nurse, Round + Settle);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(status["crs"]!["grade"]!.GetValue<int>(), Is.EqualTo(1), "the grade does not wait");
            Assert.That(beforeDue, Is.Empty, "the round settles for 15 minutes from its first write");
            Assert.That(atDue.Select(a => Text(a!, "condition")), Is.EqualTo(new[] { "crs" }), "one alert, on the complete round");
            Assert.That(atDue.Single()!["grade"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(atDue.Single()!["raisedAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(Round + Settle));
            Assert.That(await NextDueAsync(host), Is.Null);
        }
    }

    [Test]
    public async Task Spo2BeforeItsOxygenDevice_InOneRound_RaisesNothing_TheCompleteRoundWithoutOxygenRaisesCrsSpo2()
    {
        // SpO2 86 % arrives first; the nasal cannula of the same round five minutes later. Evaluated at once, the SpO2
        // alone (no oxygen recorded) would raise CRS-SPO2, which the complete round does not.
        using var integration = FreshClient(host, "integration");
        using var nurse = FreshClient(host, "nurse", West);
        await AdmitAsync(integration, "p-no-o2", West);
        await ObservationAsync(integration, Temperature("p-round", 37.0m, "Cel", Round));
        await ObservationAsync(integration, Temperature("p-no-o2", 37.0m, "Cel", Round));
        await ObservationAsync(integration, Spo2("p-round", 86m, Round));
        await ObservationAsync(integration, Spo2("p-no-o2", 86m, Round));
        host.Time.SetUtcNow(Round.AddMinutes(5));
        await ObservationAsync(integration, OxygenDevice("p-round", "nasal-cannula", Round, flow: 2m));
        await AdvanceToAsync(host, Round.AddHours(1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await AlertsOfAsync(nurse, "p-round"), Is.Empty, "oxygen is documented in the round");
            Assert.That(OfCondition(await AlertsOfAsync(nurse, "p-no-o2"), "spo2-without-oxygen"), Has.Count.EqualTo(1), "the other side: no oxygen in the round");
        }
    }

    [Test]
    public async Task HostRestartedWhileARoundIsPending_TheAlertStillComes_AtStartUp()
    {
        using (var integration = FreshClient(host, "integration"))
        {
            await ObservationAsync(integration, Systolic("p-round", 118m, Round));
            host.Time.SetUtcNow(Round.AddMinutes(10));
            await ObservationAsync(integration, Temperature("p-round", 38.4m, "Cel", Round.AddMinutes(10)));
        }

        host.Time.SetUtcNow(Round.AddMinutes(12));
        using (var nurse = FreshClient(host, "nurse", West))
        {
            Assert.That(await AlertsOfAsync(nurse, "p-round"), Is.Empty);
        }

        await host.DisposeAsync();

        // Down past the settle instant; the start-up pass evaluates what fell due meanwhile.
        host = Host(database, Round.AddMinutes(20));
        using var again = FreshClient(host, "nurse", West);
        await WaitUntilAsync(async () => (await AlertsOfAsync(again, "p-round")).Count > 0, () => "the CRS alert after the restart");
        var alerts = await AlertsOfAsync(again, "p-round");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(alerts.Select(a => Text(a!, "condition")), Is.EqualTo(new[] { "crs" }));
            Assert.That(alerts.Single()!["raisedAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(Round.AddMinutes(20)));
            Assert.That(await NextDueAsync(host), Is.Null);
            Assert.That(host.Services.GetRequiredService<RoundSettleWorker>().Passes, Is.GreaterThanOrEqualTo(1));
        }
    }

    /// <summary>Moves the clock to <paramref name="at"/>, runs a round settle pass, and returns the patient's alerts.</summary>
    private async Task<System.Text.Json.Nodes.JsonArray> AlertsAtAsync(HttpClient nurse, DateTimeOffset at)
    {
        host.Time.SetUtcNow(at);
        await host.Services.GetRequiredService<RoundSettleWorker>().RunOnceAsync(CancellationToken.None);
        return await AlertsOfAsync(nurse, "p-round");
    }
}
