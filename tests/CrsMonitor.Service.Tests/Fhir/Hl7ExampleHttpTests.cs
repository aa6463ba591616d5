using System.Net;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Ingest;
using CrsMonitor.Service.Tests.Storage;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Fhir;

/// <summary>
/// The HL7 US Core vital-sign examples of shared/fhir-examples over HTTP, as an interface engine sends them, once
/// their Patient (<c>Patient/example</c>) exists and is admitted to a unit: each gets a 2xx; the date-only ones are
/// stored but answer with an OperationOutcome warning that the effective time has no time of day (not graded); the
/// SpO2 example's readings are used (its O2 flow component is in the basis of the CRS grade). The clock is set to
/// the morning of the SpO2 example (2014-12-05, 15 minutes after it), so its readings are current.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class Hl7ExampleHttpTests(StorageProvider provider)
{
    private const string Subject = "example";
    private const string NoTimeOfDay = "Observation.effective[x] has no time of day: stored, not used for grading";

    /// <summary>The SpO2 example is effective 2014-12-05T09:30:10+01:00, i.e. 08:30:10Z.</summary>
    private static readonly DateTimeOffset Spo2At = new(2014, 12, 5, 8, 30, 10, TimeSpan.Zero);

    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private HttpClient integration = null!;
    private HttpClient nurse = null!;

    public static IEnumerable<TestCaseData> DateOnlyExamples()
    {
        yield return new TestCaseData(Hl7Examples.BloodPressure).SetName("Hl7BloodPressureExample_Is201_WithTheNoTimeOfDayWarning_AndIsNotGraded");
        yield return new TestCaseData(Hl7Examples.Temperature).SetName("Hl7TemperatureExample_Is201_WithTheNoTimeOfDayWarning_AndIsNotGraded");
    }

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = new ServiceHost(database.HostSettings);
        host.Time.AdjustTime(Spo2At.AddMinutes(15));
        integration = host.ClientFor("integration");
        nurse = host.ClientFor("nurse", "7W");
        await AdmitAsync(integration, Subject, "7W");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        integration.Dispose();
        nurse.Dispose();
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    [TestCaseSource(nameof(DateOnlyExamples))]
    public async Task DateOnlyExample(string example)
    {
        // The interface team asks for the OperationOutcome (by default the answer is the stored resource, the warnings in Warning headers).
        using var request = new HttpRequestMessage(HttpMethod.Post, "/fhir/Observation") { Content = Body(example) };
        request.Headers.Add("Prefer", "return=OperationOutcome");
        var response = await integration.SendAsync(request);
        var outcome = JsonNode.Parse(await Ok(response))!;
        var issues = outcome["issue"]!.AsArray();
        var id = FhirAssert.IdOf(response);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(response.Headers.GetValues("Warning"), Has.Some.Contains(NoTimeOfDay));
            Assert.That(outcome["resourceType"]!.GetValue<string>(), Is.EqualTo("OperationOutcome"));
            Assert.That(issues.Where(i => i!["severity"]!.GetValue<string>() == "warning").Select(i => i!["diagnostics"]!.GetValue<string>()),
                Is.EqualTo(new[] { NoTimeOfDay }));
            Assert.That(issues.SelectMany(i => i!["expression"]?.AsArray() ?? []).Select(e => e!.GetValue<string>()), Does.Contain("Observation.effective[x]"));
            Assert.That(issues.Select(i => i!["diagnostics"]!.GetValue<string>()), Does.Contain($"Created Observation/{id}/_history/1"));
        }

        var stored = JsonNode.Parse(await Ok(await nurse.GetAsync($"/fhir/Observation/{id}")))!;
        var status = await Ok(await nurse.GetAsync($"/api/patients/{Subject}/status"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(stored["effectiveDateTime"]!.GetValue<string>(), Is.EqualTo("1999-07-02"), "stored as sent");
            Assert.That(stored["subject"]!["reference"]!.GetValue<string>(), Is.EqualTo($"Patient/{Subject}"));
            Assert.That(status, Does.Not.Contain($"Observation/{id}"), "a reading that cannot be placed in time is not graded");
        }
    }

    [Test]
    public async Task Hl7Spo2Example_Is201_SearchableByLoinc_AndItsOxygenFlowIsInTheBasisOfTheCrsGrade()
    {
        // Our own readings of that morning: fever, blood pressure and a nasal cannula put on before the SpO2 reading.
        var before = Spo2At.AddMinutes(-5);
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature(Subject, 38.6m, "Cel", before))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Systolic(Subject, 118m, before))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(OxygenDevice(Subject, "nasal-cannula", before))));

        var response = await integration.PostAsync("/fhir/Observation", Body(Hl7Examples.SatO2FiO2));
        // Another test of this fixture may have posted the example first: a resend is answered with an OperationOutcome
        // naming the stored version (an integration token never reads), which then carries no warning either.
        var created = JsonNode.Parse(await Ok(response))!;
        Assert.That(created["issue"]?.AsArray().Select(i => i!["severity"]!.GetValue<string>()) ?? [], Has.None.EqualTo("warning"), "no warning");
        var id = FhirAssert.IdOf(response);

        var search = JsonNode.Parse(await Ok(await nurse.GetAsync($"/fhir/Observation?patient={Subject}&code=http://loinc.org|59408-5")))!;
        var status = JsonNode.Parse(await Ok(await nurse.GetAsync($"/api/patients/{Subject}/status")))!;
        var flow = status["crs"]!["basis"]!.AsArray().SingleOrDefault(b => b!["name"]!.GetValue<string>() == "oxygenFlow");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created).Or.EqualTo(HttpStatusCode.OK));
            Assert.That(search["entry"]!.AsArray().Select(e => e!["resource"]!["id"]!.GetValue<string>()), Is.EqualTo(new[] { id }));
            Assert.That(status["crs"]!["grade"]!.GetValue<int>(), Is.EqualTo(2), status["crs"]!.ToJsonString());
            Assert.That(flow, Is.Not.Null, status["crs"]!.ToJsonString());
            Assert.That(flow?["value"]!.GetValue<string>(), Is.EqualTo("6 L/min"));
            Assert.That(flow?["at"]!.GetValue<DateTimeOffset>(), Is.EqualTo(Spo2At));
            Assert.That(flow?["source"]!.GetValue<string>(), Is.EqualTo($"Observation/{id}/_history/1"));
        }
    }

    [Test]
    public async Task Hl7Examples_Resent_AreHarmless_SameIdsAnd200()
    {
        foreach (var example in new[] { Hl7Examples.BloodPressure, Hl7Examples.SatO2FiO2, Hl7Examples.Temperature })
        {
            var first = await integration.PostAsync("/fhir/Observation", Body(example));
            var again = await integration.PostAsync("/fhir/Observation", Body(example));
            await Ok(first);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK), await again.Content.ReadAsStringAsync());
                Assert.That(again.Headers.ETag?.Tag, Is.EqualTo("\"1\""));
            }
        }

        using var conditional = new HttpRequestMessage(HttpMethod.Post, "/fhir/Observation") { Content = Body(Hl7Examples.SatO2FiO2) };
        conditional.Headers.Add("If-None-Exist", "identifier=http://goodcare.org/observation/id|o1223435-10");
        var answer = await integration.SendAsync(conditional);
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK), await answer.Content.ReadAsStringAsync());
    }
}
