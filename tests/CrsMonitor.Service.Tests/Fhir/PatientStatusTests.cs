using System.Net;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Fhir;

/// <summary>
/// Continuous grading seen from outside: readings posted through FHIR give the status endpoint the grade the calculator
/// gives for the same inputs, with its basis; the census and the derived grade Observations follow; unit scoping holds.
/// Its own host, because it moves the clock.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class PatientStatusTests(StorageProvider provider)
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
    public async Task Status_GradeEqualsTheCalculatorForTheSameInputs_WithItsBasis()
    {
        host.Time.SetUtcNow(T(10));
        using var integration = host.ClientFor("integration");
        using var nurse7W = host.ClientFor("nurse", "7W");
        using var nurse5E = host.ClientFor("nurse", "5E");
        await AdmitAsync(integration, "p-status", "7W");
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature("p-status", 38.4m, "Cel", T(9.5)))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Systolic("p-status", 118m, T(9.5)))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(OxygenDevice("p-status", "nasal-cannula", T(9.5), 6.0m))));
        await Ok(await nurse7W.PostAsync("/fhir/QuestionnaireResponse", Body(NeuroCheck("p-status", T(9.6), namingCount: 3, writes: false))));

        var status = JsonNode.Parse(await Ok(await nurse7W.GetAsync("/api/patients/p-status/status")))!;
        var calculator = JsonNode.Parse(await Ok(await nurse7W.PostAsync("/api/grading/evaluate", ServiceHost.Json("""
            {"ageYears":64,"crs":{"temperature":{"value":38.4,"unit":"Cel"},"systolicBp":118,"oxygen":{"device":"nasal-cannula","flowLitresPerMinute":6.0}},
             "icans":{"orientationYear":true,"orientationMonth":true,"orientationCity":true,"orientationHospital":true,"namingCount":3,
                      "followsCommands":true,"writesSentence":false,"countsBackwards":true,"consciousness":"alert"}}
            """))))!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(status["crs"]!["grade"]!.GetValue<int>(), Is.EqualTo(calculator["crs"]!["grade"]!.GetValue<int>()).And.EqualTo(2));
            Assert.That(status["icans"]!["grade"]!.GetValue<int>(), Is.EqualTo(calculator["icans"]!["grade"]!.GetValue<int>()).And.EqualTo(1));
            Assert.That(status["crs"]!["basis"]!.AsArray(), Is.Not.Empty);
            Assert.That(status["crs"]!["rules"]!.ToJsonString(), Does.Contain("CRS-O2"));
        }

        var census = JsonNode.Parse(await Ok(await nurse7W.GetAsync("/api/units/7W/patients")))!;
        Assert.That(census["patients"]!.AsArray().Select(p => p!["patientId"]!.GetValue<string>()), Does.Contain("p-status"));
        Assert.That((await nurse5E.GetAsync("/api/units/7W/patients")).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await nurse5E.GetAsync("/api/patients/p-status/status")).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await integration.GetAsync("/api/patients/p-status/status")).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));

        var grades = JsonNode.Parse(await Ok(await nurse7W.GetAsync("/fhir/Observation?patient=p-status&code=https://crsmonitor.org/fhir/CodeSystem/observation|crs-grade")))!;
        Assert.That(grades["entry"]!.AsArray().Select(e => e!["resource"]!["valueInteger"]?.GetValue<int>()), Does.Contain(2));
    }

    [Test]
    public async Task Status_FluidBolusAndRunningNorepinephrine_AreReadFromMedicationAdministrations()
    {
        host.Time.SetUtcNow(T(3));
        using var integration = host.ClientFor("integration");
        using var nurse = host.ClientFor("nurse", "7W");
        await AdmitAsync(integration, "p-meds", "7W");
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature("p-meds", 38.4m, "Cel", T(2)))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Systolic("p-meds", 96m, T(2)))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(OxygenDevice("p-meds", "room-air", T(2)))));
        await Ok(await integration.PostAsync("/fhir/MedicationAdministration",
            Body(Medication("p-meds", CrsMonitorMedication, "fluid-bolus-for-hypotension", T(2.1), T(2.5)))));
        var afterBolus = JsonNode.Parse(await Ok(await nurse.GetAsync("/api/patients/p-meds/status")))!;

        await Ok(await integration.PostAsync("/fhir/MedicationAdministration", Body(Medication("p-meds", RxNorm, "7512", T(2.8)))));
        var onPressor = JsonNode.Parse(await Ok(await nurse.GetAsync("/api/patients/p-meds/status")))!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(afterBolus["crs"]!["grade"]!.GetValue<int>(), Is.EqualTo(2), afterBolus["crs"]!.ToJsonString());
            Assert.That(afterBolus["crs"]!["rules"]!.ToJsonString(), Does.Contain("CRS-HYPO-DEF"));
            Assert.That(onPressor["crs"]!["grade"]!.GetValue<int>(), Is.EqualTo(3), onPressor["crs"]!.ToJsonString());
            Assert.That(onPressor["crs"]!["rules"]!.ToJsonString(), Does.Contain("norepinephrine"));
        }
    }
}
