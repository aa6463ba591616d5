using System.Text.Json.Nodes;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using DeviceSignals = CrsMonitor.Service.Devices.Signals;
using static CrsMonitor.Service.Tests.Alerts.AlertKit;
using static CrsMonitor.Service.Tests.Devices.DeviceKit;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using static CrsMonitor.Service.Tests.Monitoring.Schedule.MonitoringHost;

namespace CrsMonitor.Service.Tests.Devices;

/// <summary>
/// A wearable streaming heart rate every 60 s and temperature every 120 s (grace 300 s) for three hours on the fake
/// clock, through single FHIR Observation POSTs naming the device, inside a window opened by hand, with the device off
/// from 2 h to 2.5 h: exactly one <c>no-data</c> alert, raised at the instant heart rate's cadence + grace passes (not
/// a second before), updated in place when temperature goes silent a minute later, updated again when heart rate
/// resumes and resolved by the system when temperature does; wear time exact to the second. A patient streaming
/// outside any window gets no alert. On SQLite and PostgreSQL.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class DeviceStreamTests(StorageProvider provider)
{
    private const string Patient = "p-wear";
    private const string Outside = "p-no-window";
    private const string Serial = "W-1";
    private const string HeartAndTemperature = """[{"signal":"heart-rate","everySeconds":60},{"signal":"temperature","everySeconds":120}]""";
    private static readonly DateTimeOffset T0 = Day;

    /// <summary>The last readings before the device is taken off (both signals), and the first after.</summary>
    private static readonly DateTimeOffset OffAt = T0.AddHours(2);
    private static readonly DateTimeOffset BackAt = T0.AddSeconds(9000);

    private TestDatabase database = null!;
    private ServiceHost host = null!;

    [SetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = Listening(database, T0);
        using var integration = FreshClient(host, "integration");
        await AdmitAsync(integration, Patient, West);
        await AdmitAsync(integration, Outside, West);
    }

    [TearDown]
    public async Task StopAsync()
    {
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    [Test]
    public async Task ThreeHoursOfStreamWithADeviceOffGap_OneNoDataAlert_RaisedAtCadencePlusGrace_UpdatedInPlace_ResolvedWhenDataResumes_WearExact()
    {
        using var integration = FreshClient(host, "integration");
        using var nurse = FreshClient(host, "nurse", West);
        await OpenWindowAsync(nurse, Patient);
        var enrolment = await EnrolAsync(nurse, Patient, Enrolment(Serial, HeartAndTemperature, graceSeconds: 300));

        // Two hours of data: heart rate every minute, temperature every two.
        await StreamAsync(integration, Patient, T0.AddSeconds(60), OffAt);
        var heartRateSilent = OffAt.AddSeconds(60 + 300);
        var temperatureSilent = OffAt.AddSeconds(120 + 300);

        await GapPassAtAsync(host, heartRateSilent.AddSeconds(-1));
        var justBefore = await NoDataAsync(nurse);
        var statusBefore = await StatusAsync(nurse, Patient);

        await GapPassAtAsync(host, heartRateSilent);
        var atHeartRate = await NoDataAsync(nurse);
        var statusAt = await StatusAsync(nurse, Patient);
        var census = await CensusRowAsync(nurse, Patient);

        await GapPassAtAsync(host, temperatureSilent.AddSeconds(-1));
        var beforeTemperature = await NoDataAsync(nurse);
        await GapPassAtAsync(host, temperatureSilent);
        var atTemperature = await NoDataAsync(nurse);

        // Heart rate comes back first, temperature a minute later.
        host.Time.SetUtcNow(BackAt);
        await ObservationAsync(integration, Observation(Patient, DeviceSignals.HeartRate, 72m, BackAt, Serial));
        var heartRateBack = await NoDataAsync(nurse);
        await StreamAsync(integration, Patient, BackAt.AddSeconds(60), T0.AddHours(3));
        var resumed = await NoDataAsync(nurse);
        var statusEnd = await StatusAsync(nurse, Patient);
        var censusEnd = await CensusRowAsync(nurse, Patient);
        host.Time.SetUtcNow(T0.AddHours(3).AddSeconds(30));
        var statusLater = await StatusAsync(nurse, Patient);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(enrolment["signals"]!.AsArray().Select(s => s!["signal"]!.GetValue<string>()), Is.EqualTo(new[] { "heart-rate", "temperature" }));
            Assert.That(justBefore, Is.Empty, "one second before heart rate's cadence + grace: no alert");
            Assert.That(Stream(statusBefore, "heart-rate")["state"]!.GetValue<string>(), Is.EqualTo("receiving"));

            Assert.That(atHeartRate, Has.Count.EqualTo(1), "exactly one no-data alert");
            var alert = atHeartRate.Single();
            Assert.That(alert["raisedAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(heartRateSilent), "raised at the instant cadence + grace passes");
            Assert.That(Text(alert, "title"), Is.EqualTo("No data: heart rate"));
            Assert.That(Text(alert, "state"), Is.EqualTo("raised"));
            Assert.That(Stream(statusAt, "heart-rate")["state"]!.GetValue<string>(), Is.EqualTo("no-data"));
            Assert.That(Stream(statusAt, "heart-rate")["silentSince"]!.GetValue<DateTimeOffset>(), Is.EqualTo(heartRateSilent));
            Assert.That(Stream(statusAt, "heart-rate")["lastAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(OffAt));
            Assert.That(Stream(statusAt, "temperature")["state"]!.GetValue<string>(), Is.EqualTo("receiving"));
            Assert.That(census["noData"]!["signals"]!.AsArray().Select(s => s!.GetValue<string>()), Is.EqualTo(new[] { "heart-rate" }));

            Assert.That(beforeTemperature.Single()["updatedAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(heartRateSilent), "nothing new a second before temperature's gap");
            Assert.That(atTemperature, Has.Count.EqualTo(1), "still one alert: updated in place");
            Assert.That(Text(atTemperature.Single(), "id"), Is.EqualTo(Text(alert, "id")));
            Assert.That(Text(atTemperature.Single(), "title"), Is.EqualTo("No data: 2 signals"));
            Assert.That(atTemperature.Single()["updatedAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(temperatureSilent));

            Assert.That(heartRateBack.Single()["state"]!.GetValue<string>(), Is.EqualTo("raised"), "temperature is still silent");
            Assert.That(Text(heartRateBack.Single(), "title"), Is.EqualTo("No data: temperature"));
            Assert.That(resumed, Has.Count.EqualTo(1));
            Assert.That(Text(resumed.Single(), "id"), Is.EqualTo(Text(alert, "id")));
            Assert.That(Text(resumed.Single(), "state"), Is.EqualTo("resolved"), "resolved by the system when data resumes");
            Assert.That(resumed.Single()["resolvedAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(BackAt.AddSeconds(120)), "temperature's next reading (every 120 s)");
            Assert.That(Actions(resumed.Single()).Where(a => a != "escalated"), Is.EqualTo(new[] { "raised", "updated", "updated", "resolved" }),
                "raised, temperature silent too, heart rate back, resolved (unacknowledged, it escalated meanwhile)");
            Assert.That(resumed.Single()["actions"]!.AsArray().Last()!["by"]!.GetValue<string>(), Is.EqualTo("crsmonitor"));
            Assert.That(statusEnd["streams"]!.AsArray().Select(s => s!["state"]!.GetValue<string>()), Is.All.EqualTo("receiving"));
            Assert.That(censusEnd["noData"], Is.Null);

            // Covered: 60 s → 2 h (7,140 s), the last reading before the gap one temperature cadence (120 s), then 2.5 h → 3 h (1,800 s).
            var wear = statusEnd["deviceWear"]!.AsArray().Single()!;
            Assert.That(wear["wornSeconds"]!.GetValue<long>(), Is.EqualTo(7_140 + 120 + 1_800));
            Assert.That(wear["wornMinutes"]!.GetValue<int>(), Is.EqualTo(151));
            Assert.That(wear["windowSeconds"]!.GetValue<long>(), Is.EqualTo(10_800));
            Assert.That(wear["percent"]!.GetValue<decimal>(), Is.EqualTo(83.8m));
            Assert.That(statusLater["deviceWear"]!.AsArray().Single()!["wornSeconds"]!.GetValue<long>(), Is.EqualTo(9_060 + 30), "the last reading covers up to now");
        }

        var all = await AlertsOfAsync(nurse, Patient);
        Assert.That(OfCondition(all, "no-data"), Has.Count.EqualTo(1), "one no-data alert over the whole course");
    }

    [Test]
    public async Task AStreamSilentOutsideAnyWindow_IsSilentNotNoData_AndRaisesNothing()
    {
        using var integration = FreshClient(host, "integration");
        using var nurse = FreshClient(host, "nurse", West);
        await EnrolAsync(nurse, Outside, Enrolment(Serial, HeartAndTemperature, graceSeconds: 300));
        await StreamAsync(integration, Outside, T0.AddSeconds(60), T0.AddMinutes(30));
        await GapPassAtAsync(host, T0.AddHours(2));
        var status = await StatusAsync(nurse, Outside);
        var census = await CensusRowAsync(nurse, Outside);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(OfCondition(await AlertsOfAsync(nurse, Outside), "no-data"), Is.Empty);
            Assert.That(status["streams"]!.AsArray().Select(s => s!["state"]!.GetValue<string>()), Is.All.EqualTo("silent"));
            Assert.That(status["deviceWear"]!.AsArray(), Is.Empty, "no window: no wear to count");
            Assert.That(census["noData"], Is.Null);
        }
    }

    [Test]
    public async Task NothingEverArrivesAfterEnrolment_NoDataFromEnrolmentPlusCadencePlusDefaultGrace_EndingTheEnrolmentResolvesIt()
    {
        using var nurse = FreshClient(host, "nurse", West);
        await OpenWindowAsync(nurse, Patient);
        var enrolment = await EnrolAsync(nurse, Patient, Enrolment(Serial, """[{"signal":"spo2","everySeconds":60}]"""));
        var due = T0.AddSeconds(60 + 600); // Devices:GraceSeconds default
        await GapPassAtAsync(host, due.AddSeconds(-1));
        var before = await NoDataAsync(nurse);
        await GapPassAtAsync(host, due);
        var at = await NoDataAsync(nurse);
        host.Time.SetUtcNow(due.AddMinutes(5));
        var ended = await nurse.DeleteAsync($"/api/patients/{Patient}/devices/{Text(enrolment, "id")}");
        var after = await NoDataAsync(nurse);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(enrolment["graceSeconds"]!.GetValue<int>(), Is.EqualTo(600));
            Assert.That(before, Is.Empty);
            Assert.That(at.Single()["raisedAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(due));
            Assert.That(Text(at.Single(), "message"), Does.Contain("no data since enrolment"));
            Assert.That(ended.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.OK));
            Assert.That(Text(after.Single(), "state"), Is.EqualTo("resolved"));
            Assert.That(await DueCountAsync(), Is.Zero, "an ended enrolment's streams are due no more");
        }
    }

    [Test]
    public async Task EveryReadingKeepsItsDevice_AndTheWearRowIsCountedIncrementally()
    {
        using var integration = FreshClient(host, "integration");
        using var nurse = FreshClient(host, "nurse", West);
        await OpenWindowAsync(nurse, Patient);
        await EnrolAsync(nurse, Patient, Enrolment(Serial, HeartAndTemperature, graceSeconds: 300));
        await StreamAsync(integration, Patient, T0.AddSeconds(60), T0.AddHours(1));
        await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        var stored = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM reading WHERE patient_id = @P AND device = @D", new { P = Patient, D = DeviceKit.Identity(Serial) });
        Assert.That(stored, Is.EqualTo(60 + 30), "every reading keeps its device");
        var wear = await connection.QuerySingleAsync<(long WornMs, string LastSignal)>(
            "SELECT worn_ms, last_signal FROM device_wear WHERE patient_id = @P", new { P = Patient });
        Assert.That(wear.WornMs, Is.EqualTo((3600 - 60) * 1000L), "wear counted reading by reading, each from the last counted one");
        Assert.That(wear.LastSignal, Is.EqualTo("temperature"), "at one instant, the longest cadence");
    }

    private async Task<long> DueCountAsync()
    {
        await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM device_stream WHERE due_at IS NOT NULL");
    }

    /// <summary>Heart rate every 60 s and temperature every 120 s (even minutes from T0) from <paramref name="from"/> to <paramref name="to"/>, each at its instant.</summary>
    private async Task StreamAsync(HttpClient integration, string patient, DateTimeOffset from, DateTimeOffset to)
    {
        for (var at = from; at <= to; at = at.AddSeconds(60))
        {
            host.Time.SetUtcNow(at);
            await ObservationAsync(integration, Observation(patient, DeviceSignals.HeartRate, 72m, at, Serial));
            if ((at - T0).TotalSeconds % 120 == 0)
            {
                await ObservationAsync(integration, Observation(patient, DeviceSignals.Temperature, 36.8m, at, Serial));
            }
        }
    }

    private static async Task<IReadOnlyList<JsonNode>> NoDataAsync(HttpClient nurse) => OfCondition(await AlertsOfAsync(nurse, Patient), "no-data");

    private static async Task<JsonNode> CensusRowAsync(HttpClient nurse, string patient) =>
        JsonNode.Parse(await Ok(await nurse.GetAsync($"/api/units/{West}/patients")))!["patients"]!.AsArray()
            .Single(p => p!["patientId"]!.GetValue<string>() == patient)!;

    private static JsonNode Stream(JsonNode status, string signal) =>
        status["streams"]!.AsArray().Single(s => s!["signal"]!.GetValue<string>() == signal)!;
}
