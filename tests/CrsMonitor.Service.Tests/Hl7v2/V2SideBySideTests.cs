using System.Text.Json.Nodes;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Monitoring.Schedule;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using static CrsMonitor.Service.Tests.Hl7v2.V2Messages;

namespace CrsMonitor.Service.Tests.Hl7v2;

/// <summary>
/// Issue 15's "done when": a v2 feed alone (ADT admit, RAS dose, ORU vitals with a fever and hypotension, an ORU
/// correction) gives the same grades, windows and alerts as the equivalent FHIR resources, side by side: two services,
/// one fed each way, on the same fake clock.
/// </summary>
public sealed class V2SideBySideTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    private ServiceHost fhir = null!;
    private V2Host v2 = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        // Both clocks are set before their hosts start (see V2Host.StartAsync).
        fhir = new ServiceHost();
        fhir.Time.SetUtcNow(T0.AddMinutes(-5));
        v2 = await V2Host.StartAsync(StorageProvider.Sqlite, now: T0.AddMinutes(-5));
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await fhir.DisposeAsync();
        await v2.DisposeAsync();
    }

    [Test]
    public async Task A_v2_feed_alone_grades_opens_windows_and_alerts_as_the_same_FHIR_resources_do()
    {
        using var integration = MonitoringHost.FreshClient(fhir, "integration");
        var patient = "side";
        await Ok(await integration.PutAsync($"/fhir/Patient/{patient}", Body(Patient(patient))));
        await Ok(await integration.PutAsync("/fhir/Encounter/enc-side", Body(Encounter("enc-side", patient, "7W"))));
        Accepted(await v2.SendAsync(Admit("S-1", patient, "7W", "side")));

        await Step(T0.AddMinutes(90));
        await Ok(await integration.PostAsync("/fhir/MedicationAdministration", Body(MonitoringHost.Tarlatamab(patient, T0, T0.AddHours(1)))));
        Accepted(await v2.SendAsync(Dose("S-2", patient, "ORD-T1", "tarlatamab", "99CRSM", "20260105090000+0000", "20260105100000+0000")));

        // 10:00 New York (EST) is 15:00 UTC: the v2 feed sends local times without an offset.
        var vitalsAt = T0.AddHours(6);
        await Step(vitalsAt.AddMinutes(2));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature(patient, 101.48m, "[degF]", vitalsAt, identifier: "temp-1"))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Systolic(patient, 85m, vitalsAt))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(MonitoringHost.Spo2(patient, 97m, vitalsAt))));
        Accepted(await v2.SendAsync(Vitals("S-3", patient, "ORD-V1", "20260105100000",
            ("8310-5^Body temperature^LN", "101.48", "DEGF^^ANS+", "F"),
            ("150021^MDC_PRESS_BLD_NONINV_SYS^MDC", "85", "266016^MDC_DIM_MMHG^MDC", "F"),
            ("150022^MDC_PRESS_BLD_NONINV_DIA^MDC", "60", "266016^MDC_DIM_MMHG^MDC", "F"),
            ("150456^MDC_PULS_OXIM_SAT_O2^MDC", "97", "262688^MDC_DIM_PERCENT^MDC", "F"))));

        // The temperature was mistyped: both feeds correct it (FHIR: same identifier; v2: OBX-11 C, same order and time).
        await Step(T0.AddHours(7));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature(patient, 102.9m, "[degF]", vitalsAt, identifier: "temp-1"))));
        Accepted(await v2.SendAsync(Vitals("S-4", patient, "ORD-V1", "20260105100000", ("8310-5^Body temperature^LN", "102.9", "DEGF^^ANS+", "C"))));

        await Step(T0.AddHours(7).AddMinutes(1));
        var byFhir = await ViewAsync(fhir, patient);
        var byV2 = await ViewAsync(v2.Host, patient);

        Assert.That(byFhir["crs"]!.ToJsonString(), Does.Contain("\"grade\":2"), "the scenario itself: fever with hypotension is CRS grade 2");
        Assert.That(byFhir["windows"]!.AsArray(), Is.Not.Empty, "the scenario itself: the dose opened the protocol's windows");
        Assert.That(byFhir["alerts"]!.AsArray(), Is.Not.Empty, "the scenario itself: the grade raised an alert");
        Assert.That(byV2.ToJsonString(), Is.EqualTo(byFhir.ToJsonString()));
    }

    /// <summary>Both clocks to <paramref name="to"/>, then what Quartz had to do by then done on both (so the feeds' writes meet the same state).</summary>
    private async Task Step(DateTimeOffset to)
    {
        fhir.Time.SetUtcNow(to);
        v2.Host.Time.SetUtcNow(to);
        await MonitoringHost.SettleAsync(fhir);
        await MonitoringHost.SettleAsync(v2.Host);
    }

    private static void Accepted(ParsedAck ack) => Assert.That(ack.Code, Is.EqualTo("AA"), ack.ToString());

    /// <summary>What a clinician sees of the patient, without what differs by feed (ids, sources, display text of values).</summary>
    private static async Task<JsonObject> ViewAsync(ServiceHost host, string patient)
    {
        using var nurse = MonitoringHost.FreshClient(host, "nurse", "7W");
        var census = JsonNode.Parse(await Ok(await nurse.GetAsync("/api/units/7W/patients")))!;
        var id = census["patients"]!.AsArray().Single(p => (string?)p!["displayName"] == $"{patient} Test")!["patientId"]!.GetValue<string>();
        var status = (await MonitoringHost.StatusAsync(nurse, id)).AsObject();
        TestContext.Out.WriteLine(status.ToJsonString());
        return new JsonObject
        {
            ["crs"] = Grade(status["crs"]!),
            ["icans"] = Grade(status["icans"]!),
            ["episodes"] = status["episodes"]!.DeepClone(),
            ["windows"] = Strip(status["windows"]!),
            // Alerts raised at one instant have no order between them: by condition.
            ["alerts"] = new JsonArray([.. status["alerts"]!.AsArray().OrderBy(a => (string?)a!["condition"], StringComparer.Ordinal).Select(a => (JsonNode)new JsonObject
            {
                ["condition"] = a!["condition"]?.DeepClone(), ["grade"] = a["grade"]?.DeepClone(), ["state"] = a["state"]?.DeepClone(),
            })]),
        };
    }

    private static JsonObject Grade(JsonNode grade) => new()
    {
        ["status"] = grade["status"]?.DeepClone(),
        ["grade"] = grade["grade"]?.DeepClone(),
        ["rules"] = new JsonArray([.. grade["rules"]!.AsArray().Select(r => (JsonNode)JsonValue.Create((string)r!["id"]!))]),
        ["flags"] = grade["flags"]?.DeepClone(),
    };

    /// <summary>A copy without the properties that name a resource or row (ids differ between the two services).</summary>
    private static JsonNode Strip(JsonNode node)
    {
        var copy = node.DeepClone();
        foreach (var o in Descendants(copy).OfType<JsonObject>())
        {
            foreach (var key in o.Select(p => p.Key).Where(k => k.EndsWith("Id", StringComparison.Ordinal) || k is "id" or "source" or "sources").ToList())
            {
                o.Remove(key);
            }
        }

        return copy;
    }

    private static IEnumerable<JsonNode> Descendants(JsonNode node) => node switch
    {
        JsonObject o => o.Select(p => p.Value).OfType<JsonNode>().SelectMany(Descendants).Prepend(node),
        JsonArray a => a.OfType<JsonNode>().SelectMany(Descendants).Prepend(node),
        _ => [node],
    };
}
