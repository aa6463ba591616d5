using System.Text.Json.Nodes;
using CrsMonitor.Service.Readings;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Ingest;
using CrsMonitor.Service.Tests.Storage;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Fhir;

/// <summary>
/// The sixteen vital-sign examples of the FHIR R4 specification (shared/fhir-examples/hl7-r4-vital-signs) over HTTP,
/// as published, once their Patient exists and is admitted (f202's subject, Patient/f201, is pointed at it): each
/// gets a 2xx; the readings stored for it and the warnings of the answer are the ones each must give. As published
/// only the SpO2 example has a time of day; Ingest/Hl7R4VitalSignExamplesTests reads them with one. A fixture of its
/// own, beside <see cref="Hl7ExampleHttpTests"/>: the R4 SpO2 example carries the business identifier of the US Core
/// one (goodcare o1223435-10), so in one database the two would be one Observation and each test would see the other's.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class Hl7R4ExampleHttpTests(StorageProvider provider)
{
    private const string Subject = "example";

    /// <summary>The SpO2 example is effective 2014-12-05T09:30:10+01:00; the clock is 15 minutes later.</summary>
    private static readonly DateTimeOffset Now = new(2014, 12, 5, 8, 45, 10, TimeSpan.Zero);

    /// <summary>Per example: the readings stored, and the elements the answer's warnings name (with a word of each).</summary>
    private static readonly Dictionary<string, (ReadingKind[] Readings, (string Expression, string Says)[] Warnings)> Expected = new(StringComparer.Ordinal)
    {
        ["observation-example-bloodpressure-cancel.json"] = ([],
            [("Observation.effective[x]", "no time of day"), ("Observation.component[0].dataAbsentReason", "absent"), ("Observation.component[1].dataAbsentReason", "absent")]),
        ["observation-example-bloodpressure-dar.json"] = ([],
            [("Observation.effective[x]", "no time of day"), ("Observation.component[1].dataAbsentReason", "absent")]),
        ["observation-example-bloodpressure.json"] = ([], [("Observation.effective[x]", "no time of day")]),
        ["observation-example-bmi.json"] = ([], [("Observation.code", "39156-5")]),
        ["observation-example-body-height.json"] = ([], [("Observation.code", "8302-2")]),
        ["observation-example-body-length.json"] = ([], [("Observation.code", "8302-2")]),
        ["observation-example-body-temperature.json"] = ([], [("Observation.effective[x]", "no time of day")]),
        ["observation-example-f202-temperature.json"] = ([], []), // entered-in-error: kept, nothing to grade, nothing to warn about
        ["observation-example-head-circumference.json"] = ([], [("Observation.code", "9843-4")]),
        ["observation-example-heart-rate.json"] = ([], [("Observation.effective[x]", "no time of day")]),
        ["observation-example-map-sitting.json"] = ([], [("Observation.code", "LOINC 8478-0 Mean blood pressure) is not graded")]),
        ["observation-example-mbp.json"] = ([], [("Observation.code", "LOINC 8478-0 Mean blood pressure) is not graded")]),
        ["observation-example-respiratory-rate.json"] = ([], [("Observation.effective[x]", "no time of day")]),
        ["observation-example-satO2.json"] = ([ReadingKind.Spo2], []),
        ["observation-example-vitals-panel.json"] = ([], [("Observation.code", "is not graded: a panel that only groups other Observations")]),
        ["observation-example.json"] = ([], [("Observation.code", "29463-7")]),
    };

    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private HttpClient integration = null!;

    public static IEnumerable<TestCaseData> Examples() =>
        SharedFhirExamples.R4VitalSignNames.Select(name => new TestCaseData(name).SetName($"{{m}}_{name.Replace(".json", string.Empty, StringComparison.Ordinal)}"));

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = new ServiceHost(database.HostSettings);
        host.Time.AdjustTime(Now);
        integration = host.ClientFor("integration");
        await AdmitAsync(integration, Subject, "7W");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        integration.Dispose();
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    [Test]
    public void TheSixteenExamplesAreThere() => Assert.That(SharedFhirExamples.R4VitalSignNames, Is.EquivalentTo(Expected.Keys));

    /// <summary>
    /// The three blood-pressure examples share one business identifier (a measurement, its data-absent version and its
    /// cancellation: one Observation), so the second and third posted concern the first's resource; the answer still
    /// carries the warnings of what was sent, and none of the three has a time of day, so none gives a reading.
    /// </summary>
    [TestCaseSource(nameof(Examples))]
    public async Task R4Example_IsAccepted_WithItsReadingsAndWarnings(string name)
    {
        var example = JsonNode.Parse(SharedFhirExamples.R4VitalSign(name))!.AsObject();
        example["subject"]!["reference"] = $"Patient/{Subject}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/fhir/Observation") { Content = Body(example.ToJsonString()) };
        request.Headers.Add("Prefer", "return=OperationOutcome"); // the warnings, as the interface team reads them
        var response = await integration.SendAsync(request);
        var answer = JsonNode.Parse(await Ok(response))!;
        var location = response.Headers.Location!;
        var id = (location.IsAbsoluteUri ? location.AbsolutePath : location.OriginalString).Split('/')[3];
        var warnings = answer["resourceType"]!.GetValue<string>() != "OperationOutcome" ? [] : answer["issue"]!.AsArray()
            .Where(i => i!["severity"]!.GetValue<string>() == "warning")
            .Select(i => (Expression: i!["expression"]!.AsArray().Single()!.GetValue<string>(), Diagnostics: i["diagnostics"]!.GetValue<string>())).ToList();
        var readings = await ReadingsOfAsync(id);
        var (expectedReadings, expectedWarnings) = Expected[name];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(readings.Select(r => r.Kind), Is.EqualTo(expectedReadings));
            Assert.That(warnings.Select(w => w.Expression), Is.EqualTo(expectedWarnings.Select(w => w.Expression)), answer.ToJsonString());
            foreach (var ((expression, says), (_, diagnostics)) in expectedWarnings.Zip(warnings))
            {
                Assert.That(diagnostics, Does.Contain(says), expression);
            }
        }
    }

    private async Task<IReadOnlyList<Reading>> ReadingsOfAsync(string id)
    {
        await using var connection = await database.Database.OpenAsync(CancellationToken.None);
        var all = await ReadingStore.ForPatientAsync(connection, null, Subject, CancellationToken.None);
        return [.. all.Where(r => r.Source.ResourceType == "Observation" && r.Source.ResourceId == id)];
    }
}
