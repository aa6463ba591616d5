using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;
using static CrsMonitor.Service.Tests.NodeScenario;
using CrsMonitor.Service.Hl7v2.Mllp;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Alerts;
using CrsMonitor.Service.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace CrsMonitor.Service.Tests.Hl7v2;

/// <summary>
/// Issue 15: HL7 v2 over MLLP from independent npm software, over TCP to the running service: <c>node-hl7-client</c>
/// (4.0.0) sends every message and builds the ADTs, <c>hl7v2</c> (1.9.0) builds the monitor's ORUs and parses every
/// ACK (both pinned in <c>Hl7v2Node/package-lock.json</c>). The story of one patient: ADT^A01 admit to 7W; a monitor
/// stream of 60 ORU^R01 (MDC codes and units, one a minute, on one connection) ending in a fever; a resend of one ORU;
/// ADT^A02 transfer to 8E; ADT^A03 discharge; an ORU with a unit the rules refuse (AE) and an ADT^A05 (AR).
/// <c>Hl7v2Node/scenario.mjs</c> runs once per fixture under <c>node</c> against a host with its MLLP listener and HTTP on
/// loopback ports, and reads the census and the status over HTTP between steps; each test asserts one step of the JSON
/// it prints. On each storage provider.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class V2NodeClientTests(StorageProvider provider)
{
    private const string Patient = "node1";
    private const int Minutes = 60;
    private static readonly TimeSpan ScenarioTimeout = TimeSpan.FromSeconds(120);

    private readonly ConcurrentQueue<long> connectionChanges = new();
    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private MeterListener meters = null!;
    private NodeScenario scenario = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        var folder = Path.Combine(AlertSchema.RepositoryRoot(), "tests", "CrsMonitor.Service.Tests", "Hl7v2Node");
        foreach (var package in new[] { "node-hl7-client", "hl7v2" })
        {
            Assert.That(Directory.Exists(Path.Combine(folder, "node_modules", package)), Is.True,
                $"{package} is not installed in {folder}/node_modules: run tests/run.sh (it runs npm ci there), or npm ci in that folder");
        }

        database = await TestDatabase.CreateAsync(provider);
        // The story's times run from ServiceHost.Start (admission) to Start + 80 min (discharge): none is in the future.
        host = AlertKit.Listening(database, ServiceHost.Start.AddHours(2), new Dictionary<string, string?>
        {
            ["Mllp:Enabled"] = "true",
            ["Mllp:Port"] = "0",
            ["Hl7v2:AssigningAuthorities:HOSP"] = "urn:mrn",
        });
        meters = ConnectionsOpened(host, connectionChanges);

        scenario = await NodeScenario.RunAsync("node-hl7-client", folder,
        [
            host.Services.GetRequiredService<MllpListener>().LocalEndPoint!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            AlertKit.Address(host).AbsoluteUri,
            host.TokenFor("nurse", "7W"),
            host.TokenFor("nurse", "8E"),
            Patient,
            ServiceHost.Start.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        ], ScenarioTimeout);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        meters?.Dispose();
        if (host is not null)
        {
            await host.DisposeAsync();
        }

        if (database is not null)
        {
            await database.DisposeAsync();
        }
    }

    [Test]
    public void Scenario_RanEveryStep_WithoutAnUnexpectedException()
    {
        Assert.That(scenario.ExitCode, Is.Zero, scenario.Describe());
    }

    [Test]
    public void Admit_A01_IsAA_AndThePatientIsOn7WsCensus()
    {
        var admit = scenario.Step("admit");
        var ack = admit.GetProperty("ack");
        using (Assert.EnterMultipleScope())
        {
            AssertAck(ack, "AA", $"ADM-{Patient}", "ACK^A01");
            Assert.That(ack.GetProperty("errors").GetArrayLength(), Is.Zero, ack.ToString());
            Assert.That(OnCensus(admit, "west"), Is.True, "on 7W's census");
            Assert.That(Ids(admit, "west"), Has.Count.EqualTo(1));
            Assert.That(OnCensus(admit, "east"), Is.False, "not on 8E's");
        }
    }

    [Test]
    public void MonitorStream_60Oru_OnOneConnection_EachAA_AnsweringItsOwnControlId_InOrder()
    {
        var stream = scenario.Step("stream");
        var sent = Strings(stream, "sent");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(sent, Is.EqualTo(Enumerable.Range(1, Minutes).Select(n => $"MON-{Patient}-{n:D4}")));
            Assert.That(Number(stream, "connects"), Is.EqualTo(1), "node-hl7-client connected once for the whole stream");
            Assert.That(Strings(stream, "codes"), Has.Count.EqualTo(Minutes).And.All.EqualTo("AA"), "MSA-1 as hl7v2 reads it");
            Assert.That(Strings(stream, "nodeCodes"), Has.Count.EqualTo(Minutes).And.All.EqualTo("AA"), "MSA-1 as node-hl7-client reads it");
            Assert.That(Strings(stream, "answered"), Is.EqualTo(sent), "MSA-2 of each ACK is the MSH-10 of the message it answers, in order");
            Assert.That(stream.GetProperty("errors").GetArrayLength(), Is.Zero, stream.GetProperty("errors").ToString());
            Assert.That(stream.GetProperty("handledIsRaw").GetBoolean(), Is.True, "node-hl7-client's handler got the ACK text as sent");
            AssertAck(stream.GetProperty("firstAck"), "AA", $"MON-{Patient}-0001", "ACK^R01");
        }
    }

    [Test]
    public void MonitorStream_EndingInAFever_IsCrsGrade1_OnTheStatus_FromTheLastMinutesTemperature()
    {
        var status = scenario.Step("stream").GetProperty("status");
        var crs = status.GetProperty("crs");
        var lastMinute = Iso(ServiceHost.Start.AddMinutes(Minutes));
        using (Assert.EnterMultipleScope())
        {
            Assert.That((Text(crs, "status"), Number(crs, "grade")), Is.EqualTo(("graded", (int?)1)), crs.ToString());
            Assert.That(Strings(crs, "rules"), Is.EqualTo(new[] { "CRS-FEVER", "CRS-HYPO-PED", "CRS-HYPO-DEF", "CRS-MAX" }));
            Assert.That(crs.GetProperty("basis").EnumerateArray().Select(b => (Text(b, "name"), Text(b, "value"), Text(b, "at"))), Is.EqualTo(new[]
            {
                ("temperature", "38.4 °C (highest fever within 24 h)", lastMinute), // 150364 MDC_TEMP_BODY in 268192 MDC_DIM_DEGC
                ("systolicBp", "118 mmHg", lastMinute), // 150021 MDC_PRESS_BLD_NONINV_SYS in 266016 MDC_DIM_MMHG
            }));
            Assert.That(status.GetProperty("episodes").EnumerateArray().Select(e => (Text(e, "scale"), Text(e, "onset"), Number(e, "maxGrade"))),
                Is.EqualTo(new[] { ("crs", lastMinute, (int?)1) }), "the fever began with the last minute");
        }
    }

    [Test]
    public void MonitorStream_EveryMdcValue_IsStoredOnce()
    {
        Assert.That(Counts(scenario.Step("stream").GetProperty("stored")), Is.EqualTo(AllMinutes));
    }

    [Test]
    public void Resend_OfOneOru_GetsTheOriginalAckText()
    {
        var resend = scenario.Step("resend");
        var original = resend.GetProperty("original");
        var again = resend.GetProperty("again");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Text(resend, "controlId"), Is.EqualTo($"MON-{Patient}-{Minutes - 1:D4}"));
            AssertAck(again, "AA", $"MON-{Patient}-{Minutes - 1:D4}", "ACK^R01");
            Assert.That(Text(again, "raw"), Is.Not.Null.And.EqualTo(Text(original, "raw")), "the very same ACK, its own MSH-10 and MSH-7 included");
            Assert.That(Number(resend.GetProperty("status").GetProperty("crs"), "grade"), Is.EqualTo(1), "the resend changed no grade");
            Assert.That(Counts(resend.GetProperty("stored")), Is.EqualTo(AllMinutes), "and stored nothing again");
        }
    }

    [Test]
    public void Transfer_A02_IsAA_AndThePatientMovesFrom7WTo8E()
    {
        var transfer = scenario.Step("transfer");
        using (Assert.EnterMultipleScope())
        {
            AssertAck(transfer.GetProperty("ack"), "AA", $"TRF-{Patient}", "ACK^A02");
            Assert.That(OnCensus(transfer, "east"), Is.True, "on 8E's census");
            Assert.That(OnCensus(transfer, "west"), Is.False, "no longer on 7W's");
            Assert.That(Ids(transfer, "east"), Is.EqualTo(Ids(scenario.Step("admit"), "west")), "the same patient");
        }
    }

    [Test]
    public void Discharge_A03_IsAA_AndThePatientIsOnNoCensus()
    {
        var discharge = scenario.Step("discharge");
        using (Assert.EnterMultipleScope())
        {
            AssertAck(discharge.GetProperty("ack"), "AA", $"DIS-{Patient}", "ACK^A03");
            Assert.That(OnCensus(discharge, "east"), Is.False, "not on 8E's census");
            Assert.That(OnCensus(discharge, "west"), Is.False, "not on 7W's census");
        }
    }

    [Test]
    public void RefusedOru_TemperatureInKg_IsAE_WithAnErrNamingObx1Field6()
    {
        var ack = scenario.Step("refused").GetProperty("ack");
        var error = ack.GetProperty("errors").EnumerateArray().ToList();
        using (Assert.EnterMultipleScope())
        {
            AssertAck(ack, "AE", $"BAD-{Patient}", "ACK^R01");
            Assert.That(error, Has.Count.EqualTo(1), ack.ToString());
            Assert.That(error.Select(e => Text(e, "location")), Is.EqualTo(new[] { "OBX^1^6^1" }));
            Assert.That(error.Select(e => (Text(e, "segment"), Number(e, "sequence"), Number(e, "field"))), Is.EqualTo(new[] { ("OBX", (int?)1, (int?)6) }));
            Assert.That(error.Select(e => (Text(e, "code"), Text(e, "codeSystem"), Text(e, "severity"))), Is.EqualTo(new[] { ("103", "HL70357", "E") }));
            Assert.That(error.Select(e => Text(e, "text")), Is.EqualTo(new[]
            {
                "OBX-6: 'kg' is not a unit accepted for body temperature: use Cel or [degF] (FHIR Observation.valueQuantity.code)",
            }));
        }
    }

    [Test]
    public void UnsupportedType_A05_IsAR_WithAnErrNamingMsh9()
    {
        var ack = scenario.Step("unsupported").GetProperty("ack");
        var error = ack.GetProperty("errors").EnumerateArray().ToList();
        using (Assert.EnterMultipleScope())
        {
            AssertAck(ack, "AR", $"PRE-{Patient}", "ACK^A05");
            Assert.That(error.Select(e => (Text(e, "location"), Text(e, "code"), Text(e, "codeSystem"))), Is.EqualTo(new[] { ("MSH^1^9^1^2", "201", "HL70357") }));
        }
    }

    [Test]
    public void EveryConnectionTheScenarioOpened_IsOneTheServiceAccepted()
    {
        var opened = Number(scenario.Results, "connectionsOpened");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(opened, Is.EqualTo(7), "admit, stream, resend, transfer, discharge, refused, unsupported: one connection each");
            Assert.That(connectionChanges.Count(c => c > 0), Is.EqualTo(opened), "no second socket behind the client's back");
        }
    }

    private static void AssertAck(JsonElement ack, string code, string controlId, string type)
    {
        Assert.That(Text(ack, "msa1"), Is.EqualTo(code), ack.ToString());
        Assert.That(Text(ack, "nodeMsa1"), Is.EqualTo(code), "node-hl7-client reads the same MSA-1");
        Assert.That(Text(ack, "msa2"), Is.EqualTo(controlId));
        Assert.That(Text(ack, "messageType"), Is.EqualTo(type));
    }

    /// <summary>Counts the service's MLLP connections (its <c>crsmonitor.mllp.connections.open</c> instrument) from now on.</summary>
    private static MeterListener ConnectionsOpened(ServiceHost host, ConcurrentQueue<long> changes)
    {
        var factory = host.Services.GetRequiredService<IMeterFactory>();
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Name == "crsmonitor.mllp.connections.open")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => changes.Enqueue(value));
        listener.Start();
        return listener;
    }

    /// <summary>Each MDC code of the stream, stored once a minute.</summary>
    private static Dictionary<string, int?> AllMinutes => new[]
    {
        "MDC_PULS_OXIM_SAT_O2", "MDC_ECG_HEART_RATE", "MDC_TEMP_BODY", "MDC_PRESS_BLD_NONINV_SYS", "MDC_PRESS_BLD_NONINV_DIA",
    }.ToDictionary(c => c, _ => (int?)Minutes);

    private static Dictionary<string, int?> Counts(JsonElement stored) =>
        stored.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.Number ? p.Value.GetInt32() : (int?)null);

    private static string Iso(DateTimeOffset at) => at.ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture);

    private static bool OnCensus(JsonElement step, string unit) => step.GetProperty(unit).GetProperty("onCensus").GetBoolean();

    private static List<string?> Ids(JsonElement step, string unit) => Strings(step.GetProperty(unit), "patientIds");

    private static List<string?> Strings(JsonElement e, string name) =>
        [.. e.GetProperty(name).EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString() : v.ToString())];

}
