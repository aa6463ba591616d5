using CrsMonitor.Service.Hl7v2;
using CrsMonitor.Service.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using static CrsMonitor.Service.Tests.Hl7v2.V2Messages;

namespace CrsMonitor.Service.Tests.Hl7v2;

/// <summary>
/// HL7 v2 over MLLP as an interface engine uses it (issue 15): AA only once the effects are committed, AE with an ERR
/// naming segment and field for refused content (and nothing stored but the rejected message), AR for what is not
/// taken, a resend answered as before. On SQLite and PostgreSQL.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class V2IngestTests(StorageProvider provider)
{
    private V2Host v2 = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        v2 = await V2Host.StartAsync(provider);
        v2.Host.Time.SetUtcNow(ServiceHost.Start.AddHours(2));
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await v2.DisposeAsync();

    [Test]
    public async Task An_admission_is_accepted_and_puts_the_patient_on_the_unit()
    {
        var ack = await v2.SendAsync(Admit("ADM-1", "a1", "7W", "a1"));

        Assert.That(ack.Code, Is.EqualTo("AA"), ack.ToString());
        Assert.That(ack.ControlId, Is.EqualTo("ADM-1"));
        Assert.That(await v2.PatientIdAsync("a1"), Is.Not.Null, "on 7W's census");
    }

    [Test]
    public async Task A_resend_gets_the_original_answer_and_changes_nothing()
    {
        await v2.SendAsync(Admit("ADM-2", "a2", "7W", "a2"));
        var first = await v2.SendAsync(Vitals("ORU-2", "a2", "ORD-2", "20250301090000+0000", ("8310-5^Body temperature^LN", "38.4", "Cel^Cel^UCUM", "F")));
        var again = await v2.SendAsync(Vitals("ORU-2", "a2", "ORD-2", "20250301090000+0000", ("8310-5^Body temperature^LN", "38.4", "Cel^Cel^UCUM", "F")));

        Assert.That(first.Code, Is.EqualTo("AA"), first.ToString());
        Assert.That(again.Raw, Is.EqualTo(first.Raw), "the very same ACK, its own control id included");
    }

    [Test]
    public async Task Answers_are_kept_for_the_resend_window_then_purged_and_a_late_copy_changes_nothing()
    {
        await v2.SendAsync(Admit("ADM-9", "a9", "7W", "a9"));
        var message = Vitals("ORU-9", "a9", "ORD-9", "20250301090000+0000", ("8867-4^^LN", "77", "/min^^UCUM", "F"));
        var first = await v2.SendAsync(message);
        var services = v2.Host.Services;
        var days = services.GetRequiredService<IOptions<Hl7v2Settings>>().Value.ResendWindowDays;
        MessageLogPurge Purge(int afterDays) => new(services.GetRequiredService<Database>(), services.GetRequiredService<IOptions<Hl7v2Settings>>(),
            new FakeTimeProvider(v2.Host.Time.GetUtcNow().AddDays(afterDays)), NullLogger<MessageLogPurge>.Instance);

        Assert.That(await Purge(days - 1).PurgeOnceAsync(CancellationToken.None), Is.Zero, "within the window");
        Assert.That((await v2.SendAsync(message)).Raw, Is.EqualTo(first.Raw));
        Assert.That(await Purge(days + 1).PurgeOnceAsync(CancellationToken.None), Is.GreaterThanOrEqualTo(1));
        var late = await v2.SendAsync(message);

        Assert.That(late.Code, Is.EqualTo("AA"), late.ToString());
        Assert.That(late.Raw, Is.Not.EqualTo(first.Raw), "answered as a new message");
        using var nurse = v2.Host.ClientFor("nurse", "7W");
        var id = await v2.PatientIdAsync("a9");
        var found = System.Text.Json.Nodes.JsonNode.Parse(await Fhir.FhirTestData.Ok(await nurse.GetAsync($"/fhir/Observation?patient={id}&code=http://loinc.org|8867-4&_summary=count")))!;
        Assert.That((int?)found["total"], Is.EqualTo(1), "the same result again writes nothing");
    }

    [Test]
    public async Task A_control_id_reused_for_other_content_is_refused_naming_MSH_10()
    {
        await v2.SendAsync(Admit("ADM-3", "a3", "7W", "a3"));
        await v2.SendAsync(Vitals("ORU-3", "a3", "ORD-3", "20250301090000+0000", ("8310-5^^LN", "37.0", "Cel^^UCUM", "F")));
        var other = await v2.SendAsync(Vitals("ORU-3", "a3", "ORD-3", "20250301090000+0000", ("8310-5^^LN", "39.9", "Cel^^UCUM", "F")));

        Assert.That(other.Code, Is.EqualTo("AE"), other.ToString());
        Assert.That(other.Errors.Single().Location, Is.EqualTo("MSH^1^10^1"));
        Assert.That(other.Errors.Single().Code, Is.EqualTo("205"));
    }

    [Test]
    public async Task A_unit_the_rules_refuse_is_an_AE_naming_OBX_6_and_only_the_message_is_kept()
    {
        await v2.SendAsync(Admit("ADM-4", "a4", "7W", "a4"));
        var before = (await v2.RejectedAsync()).Count;
        var ack = await v2.SendAsync(Vitals("ORU-4", "a4", "ORD-4", "20250301090000+0000",
            ("8867-4^Heart rate^LN", "80", "/min^^UCUM", "F"), ("8310-5^Body temperature^LN", "38.4", "kg^^UCUM", "F")));

        Assert.That(ack.Code, Is.EqualTo("AE"), ack.ToString());
        var error = ack.Errors.Single(e => e.Severity == "E");
        Assert.That(error.Location, Is.EqualTo("OBX^2^6^1"), ack.ToString());
        Assert.That(error.Text, Does.Contain("OBX[2]-6").And.Contain("kg"));
        var rejected = await v2.RejectedAsync();
        Assert.That(rejected, Has.Count.EqualTo(before + 1));
        Assert.That(rejected[0].Payload.Method, Is.EqualTo("MLLP"));
        Assert.That(rejected[0].Payload.Path, Is.EqualTo("ORU^R01"));
        Assert.That(rejected[0].Payload.Body, Does.Contain("ORU-4"));
        var accepted = await v2.SendAsync(Vitals("ORU-4b", "a4", "ORD-4", "20250301090000+0000", ("8867-4^Heart rate^LN", "80", "/min^^UCUM", "F")));
        Assert.That(accepted.Code, Is.EqualTo("AA"), "the heart rate of the refused message was not stored: sent again it is new");
    }

    [Test]
    public async Task Results_for_a_patient_never_admitted_are_refused_naming_PID_3()
    {
        var ack = await v2.SendAsync(Vitals("ORU-5", "nobody", "ORD-5", "20250301090000+0000", ("8310-5^^LN", "37.0", "Cel^^UCUM", "F")));

        Assert.That(ack.Code, Is.EqualTo("AE"), ack.ToString());
        Assert.That(ack.Errors.Single().Location, Does.StartWith("PID^1^3"), ack.ToString());
    }

    [Test]
    public async Task A_message_type_not_taken_is_AR_naming_MSH_9()
    {
        var ack = await v2.SendAsync(Join(Msh("ADT^A05^ADT_A05", "PRE-1"), Pid("a6")));

        Assert.That(ack.Code, Is.EqualTo("AR"), ack.ToString());
        Assert.That(ack.Errors.Single().Location, Is.EqualTo("MSH^1^9^1^2"));
        Assert.That(ack.Errors.Single().Code, Is.EqualTo("201"));
    }

    [Test]
    public async Task A_local_time_in_the_spring_forward_gap_is_refused_saying_so()
    {
        await v2.SendAsync(Admit("ADM-7", "a7", "7W", "a7"));
        var ack = await v2.SendAsync(Vitals("ORU-7", "a7", "ORD-7", "20260308023000", ("8310-5^^LN", "37.0", "Cel^^UCUM", "F")));

        Assert.That(ack.Code, Is.EqualTo("AE"), ack.ToString());
        Assert.That(ack.Errors.Select(e => e.Location), Is.EqualTo(new[] { "OBX^1^14^1" }));
        Assert.That(ack.Errors[0].Text, Does.Contain("daylight-saving gap of America/New_York"));
    }

    [Test]
    public async Task A_message_that_cannot_be_parsed_gets_an_AE_naming_where()
    {
        var ack = await v2.SendAsync("MSH|^~\\&|MONITOR|7WEST|CRSMONITOR|HOSPITAL|20250301080000||ORU^R01|BAD-1|P|2.5.1\rOBX|1|NM|8310-5^^LN||\\Q\\\r");

        Assert.That(ack.Code, Is.EqualTo("AE"), ack.ToString());
        Assert.That(ack.Errors.Single().Location, Does.StartWith("OBX^1^5"), ack.ToString());
    }
}
