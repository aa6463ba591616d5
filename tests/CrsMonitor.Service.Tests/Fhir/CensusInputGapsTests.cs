using System.Text.Json.Nodes;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Fhir;

/// <summary>
/// Issue 11 item 2 (grading-rules.md section 7): missing or stale inputs are shown on the patient page and the census.
/// The census row carries each grade's <c>gaps</c> (input, never recorded or the time of the last stale one), the same
/// as the status document, so the dashboard can say "no temperature for 5 h" and "no neuro check yet".
/// Its own host, because it moves the clock.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class CensusInputGapsTests(StorageProvider provider)
{
    private TestDatabase database = null!;
    private ServiceHost host = null!;

    private static DateTimeOffset T(double hours) => ServiceHost.Start.AddHours(hours);

    [SetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = new ServiceHost(database.HostSettings);
    }

    [TearDown]
    public async Task StopAsync()
    {
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    [Test]
    public async Task Census_StaleTemperatureAndMissingNeuroCheck_AreRowGapsWithTheLastTime_AsInTheStatus()
    {
        host.Time.SetUtcNow(T(5));
        using var integration = host.ClientFor("integration");
        using var nurse = host.ClientFor("nurse", "7W");
        await AdmitAsync(integration, "p-gaps", "7W");
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature("p-gaps", 37.2m, "Cel", T(5)))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Systolic("p-gaps", 118m, T(9.5)))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(OxygenDevice("p-gaps", "room-air", T(9.5)))));

        // At T+10 h the temperature of T+5 h is stale (vital signs: 4 h); no neuro check was ever recorded.
        host.Time.SetUtcNow(T(10));
        var census = JsonNode.Parse(await Ok(await nurse.GetAsync("/api/units/7W/patients")))!;
        var row = census["patients"]!.AsArray().Single(p => p!["patientId"]!.GetValue<string>() == "p-gaps")!;
        var status = JsonNode.Parse(await Ok(await nurse.GetAsync("/api/patients/p-gaps/status")))!;

        var crsGaps = row["crs"]!["gaps"]!.AsArray();
        var icansGaps = row["icans"]!["gaps"]!.AsArray();
        var temperature = crsGaps.Single(g => g!["input"]!.GetValue<string>() == "temperature")!;
        var neuroCheck = icansGaps.Single(g => g!["input"]!.GetValue<string>() == "neuroCheck")!;
        using (Assert.EnterMultipleScope())
        {
            // The contract fields stay; the gaps are added.
            Assert.That(row["crs"]!["status"]!.GetValue<string>(), Is.EqualTo("not-gradable"), row.ToJsonString());
            Assert.That(row["crs"]!["reason"]!.GetValue<string>(), Is.EqualTo("temperature-missing"));
            Assert.That(row["icans"]!["reason"]!.GetValue<string>(), Is.EqualTo("ice-missing"));

            Assert.That(temperature["missing"]!.GetValue<bool>(), Is.False, "a stale temperature was recorded");
            Assert.That(temperature["lastAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(T(5)));
            Assert.That(temperature["text"]!.GetValue<string>(), Does.StartWith("temperature: last 37.2"));
            Assert.That(neuroCheck["missing"]!.GetValue<bool>(), Is.True, "no neuro check was ever recorded");
            Assert.That(neuroCheck["lastAt"], Is.Null);

            // Blood pressure and the device are current: not gaps.
            Assert.That(crsGaps.Select(g => g!["input"]!.GetValue<string>()), Has.None.EqualTo("systolicBp").And.None.EqualTo("oxygenDevice"));

            // The patient page's status document carries the same gaps.
            Assert.That(status["crs"]!["gaps"]!.ToJsonString(), Is.EqualTo(crsGaps.ToJsonString()));
            Assert.That(status["icans"]!["gaps"]!.ToJsonString(), Is.EqualTo(icansGaps.ToJsonString()));
        }
    }

    [Test]
    public async Task Census_EveryInputCurrent_HasNoGaps()
    {
        host.Time.SetUtcNow(T(10));
        using var integration = host.ClientFor("integration");
        using var nurse = host.ClientFor("nurse", "7W");
        await AdmitAsync(integration, "p-nogaps", "7W");
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature("p-nogaps", 37.2m, "Cel", T(9.5)))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Systolic("p-nogaps", 118m, T(9.5)))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(OxygenDevice("p-nogaps", "room-air", T(9.5)))));
        await Ok(await nurse.PostAsync("/fhir/QuestionnaireResponse", Body(NeuroCheck("p-nogaps", T(9.6), namingCount: 3, writes: true))));

        var census = JsonNode.Parse(await Ok(await nurse.GetAsync("/api/units/7W/patients")))!;
        var row = census["patients"]!.AsArray().Single(p => p!["patientId"]!.GetValue<string>() == "p-nogaps")!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(row["crs"]!["grade"]!.GetValue<int>(), Is.Zero, row.ToJsonString());
            Assert.That(row["crs"]!["gaps"]!.AsArray(), Is.Empty, row.ToJsonString());
            Assert.That(row["icans"]!["gaps"]!.AsArray(), Is.Empty, row.ToJsonString());
        }
    }
}
