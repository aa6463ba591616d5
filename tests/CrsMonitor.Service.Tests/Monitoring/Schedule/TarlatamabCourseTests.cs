using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using static CrsMonitor.Service.Tests.Monitoring.Schedule.MonitoringHost;

namespace CrsMonitor.Service.Tests.Monitoring.Schedule;

/// <summary>A tarlatamab dose recorded through FHIR gives the protocol's windows and check schedule on the patient's status.</summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class TarlatamabCourseTests(StorageProvider provider)
{
    private static readonly DateTimeOffset Day1 = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
    private TestDatabase database = null!;
    private ServiceHost host = null!;

    [SetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = new ServiceHost(database.HostSettings);
        host.Time.SetUtcNow(Day1.AddHours(-1));
    }

    [TearDown]
    public async Task StopAsync()
    {
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    [Test]
    public async Task P01_C1D1_ObservedWindow22To24HoursFromInfusionStart_ProximityTo48Hours_AndTheCheckSchedule()
    {
        using var integration = FreshClient(host, "integration");
        using var nurse = FreshClient(host, "nurse", Unit);
        await AdmitAsync(integration, "p01", Unit);
        host.Time.SetUtcNow(Day1.AddHours(1));
        await Ok(await integration.PostAsync("/fhir/MedicationAdministration", Body(Tarlatamab("p01", Day1, Day1.AddHours(1)))));

        var status = await StatusAsync(nurse, "p01");
        var dose = status["doses"]!.AsArray().Single()!;
        var windows = status["windows"]!.AsArray();
        var observed = windows.Single(w => w!["protocolWindowId"]!.GetValue<string>() == "c1-observed")!;
        var proximity = windows.Single(w => w!["protocolWindowId"]!.GetValue<string>() == "c1-proximity")!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(dose["place"]!.GetValue<string>(), Is.EqualTo("C1D1"));
            Assert.That(dose["protocolId"]!.GetValue<string>(), Is.EqualTo("tarlatamab-us-2025-11"));
            Assert.That(observed["opensAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(Day1));
            Assert.That(observed["earliestEnd"]!.GetValue<DateTimeOffset>(), Is.EqualTo(Day1.AddHours(22)));
            Assert.That(observed["latestEnd"]!.GetValue<DateTimeOffset>(), Is.EqualTo(Day1.AddHours(24)));
            Assert.That(observed["state"]!.GetValue<string>(), Is.EqualTo("active"));
            Assert.That(proximity["latestEnd"]!.GetValue<DateTimeOffset>(), Is.EqualTo(Day1.AddHours(48)));
            Assert.That(status["checks"]!["nextVitalSigns"]!.GetValue<DateTimeOffset>(), Is.EqualTo(Day1.AddHours(4)));
            Assert.That(status["checks"]!["nextIce"]!.GetValue<DateTimeOffset>(), Is.EqualTo(Day1.AddHours(8)));
            Assert.That(status["checks"]!["overdue"]!.AsArray(), Is.Empty);
        }
    }
}
