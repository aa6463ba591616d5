using System.Text.Json.Nodes;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Monitoring.Schedule;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using static CrsMonitor.Service.Tests.Hl7v2.V2Messages;

namespace CrsMonitor.Service.Tests.Hl7v2;

/// <summary>
/// What v2 content becomes: a neuro check sent as an OBR panel, a retracted result (W), a running vasopressor
/// infusion and its deletion (RXA-21 D), the same message on many connections at once, and the audit row. On SQLite
/// and PostgreSQL.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class V2ContentTests(StorageProvider provider)
{
    private const string At = "20250301090000+0000";
    private V2Host v2 = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        v2 = await V2Host.StartAsync(provider);
        v2.Host.Time.SetUtcNow(ServiceHost.Start.AddHours(1).AddMinutes(5));
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await v2.DisposeAsync();

    private async Task<string> AdmitAsync(string patient)
    {
        Assert.That((await v2.SendAsync(Admit("ADM-" + patient, patient, "7W", patient))).Code, Is.EqualTo("AA"));
        return (await v2.PatientIdAsync(patient))!;
    }

    private async Task<JsonNode> StatusAsync(string id)
    {
        using var nurse = v2.Host.ClientFor("nurse", "7W");
        return await MonitoringHost.StatusAsync(nurse, id);
    }

    /// <summary>An RXA with the given fields (RXA-1 and RXA-2 are 0 and 1) and the rest empty.</summary>
    private static string Rxa(params (int Field, string Value)[] fields)
    {
        var values = new string[22];
        Array.Fill(values, string.Empty);
        (values[0], values[1], values[2]) = ("RXA", "0", "1");
        foreach (var (field, value) in fields)
        {
            values[field] = value;
        }

        return string.Join('|', values);
    }

    private static void Accepted(ParsedAck ack) => Assert.That(ack.Code, Is.EqualTo("AA"), ack.ToString());

    [Test]
    public async Task A_neuro_check_sent_as_an_OBR_panel_grades_ICANS_from_its_items()
    {
        var id = await AdmitAsync("n1");
        static string Yes(int i, string item) => $"OBX|{i}|CWE|{item}^^99CRSO||Y^Yes^HL70136||||||F";
        var ack = await v2.SendAsync(Join(Msh("ORU^R01^ORU_R01", "NC-1"), Pid("n1"), $"OBR|1||NC-1^EMR|neuro-check^Neuro check^99CRSO|||{At}",
            Yes(1, "orientationYear"), Yes(2, "orientationMonth"), Yes(3, "orientationCity"), Yes(4, "orientationHospital"),
            "OBX|5|NM|namingCount^^99CRSO||1||||||F", Yes(6, "followsCommands"), "OBX|7|CWE|writesSentence^^99CRSO||N^No^HL70136||||||F",
            Yes(8, "countsBackwards"), "OBX|9|CWE|consciousness^^99CRSO||alert^Alert^99CRSN||||||F"));

        Accepted(ack);
        var icans = (await StatusAsync(id))["icans"]!;
        Assert.That((string?)icans["status"], Is.EqualTo("graded"), icans.ToJsonString());
        Assert.That((int?)icans["grade"], Is.EqualTo(1), "ICE 7 of 10 (ICANS-ICE)");
    }

    [Test]
    public async Task A_retracted_result_W_takes_its_reading_away()
    {
        var id = await AdmitAsync("n2");
        Accepted(await v2.SendAsync(Vitals("R-1", "n2", "ORD-R", At, ("8310-5^^LN", "38.9", "Cel^^UCUM", "F"))));
        Assert.That((int?)(await StatusAsync(id))["crs"]!["grade"], Is.EqualTo(1), "fever");

        Accepted(await v2.SendAsync(Vitals("R-2", "n2", "ORD-R", At, ("8310-5^^LN", "38.9", "Cel^^UCUM", "W"))));

        var crs = (await StatusAsync(id))["crs"]!;
        Assert.That(crs.ToJsonString(), Does.Not.Contain("CRS-FEVER"), "the fever was retracted");
    }

    [Test]
    public async Task A_running_vasopressor_infusion_grades_as_one_and_its_deletion_takes_it_back()
    {
        var id = await AdmitAsync("n3");
        Accepted(await v2.SendAsync(Vitals("V-1", "n3", "ORD-V", At, ("8310-5^^LN", "38.9", "Cel^^UCUM", "F"), ("8480-6^^LN", "84", "mm[Hg]^^UCUM", "F"))));
        string Infusion(string control, string action) =>
            Join(Msh("RAS^O17^RAS_O17", control), Pid("n3"), "ORC|RE||NE-1^EMAR",
                Rxa((3, "20250301090500+0000"), (5, "7512^norepinephrine^RXNORM"), (6, "0.05"), (7, "ug/kg/min^^UCUM"), (12, "min"), (20, "CP"), (21, action)));

        Accepted(await v2.SendAsync(Infusion("NE-A", "A")));
        var running = (await StatusAsync(id))["crs"]!;
        Assert.That((int?)running["grade"], Is.EqualTo(3), running.ToJsonString());
        Assert.That(running.ToJsonString(), Does.Contain("CRS-VASO"));

        Accepted(await v2.SendAsync(Infusion("NE-D", "D")));
        Assert.That((int?)(await StatusAsync(id))["crs"]!["grade"], Is.EqualTo(2), "without the vasopressor: fever with hypotension");
    }

    [Test]
    public async Task A_dose_in_a_unit_not_in_the_tables_is_kept_with_a_warning_naming_RXA_7()
    {
        var id = await AdmitAsync("n6");
        var ack = await v2.SendAsync(Join(Msh("RAS^O17^RAS_O17", "DOSE-U"), Pid("n6"), "ORC|RE||TOCI-1^EMAR",
            Rxa((3, "20250301090500+0000"), (5, "612865^tocilizumab^RXNORM"), (6, "8"), (7, "999999^MDC_DIM_UNKNOWN^MDC"), (20, "CP"))));

        Accepted(ack);
        var warning = ack.Errors.Single();
        Assert.That(warning.Location, Is.EqualTo("RXA^1^7^1^1"));
        Assert.That(warning.Severity, Is.EqualTo("W"));
        Assert.That(warning.Text, Does.Contain("'999999' is not a unit of MDC"));
        await using var c = await v2.Host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        var written = (await AuditStore.RecentAsync(c, 50, CancellationToken.None))
            .Where(r => r.Action == "hl7v2.RAS^O17" && r.ResourceType == "MedicationAdministration" && r.PatientId == id);
        Assert.That(written.Count(), Is.EqualTo(1), "the dose is stored");
    }

    [Test]
    public async Task The_same_message_on_eight_connections_at_once_is_stored_once_and_answered_alike()
    {
        var id = await AdmitAsync("n4");
        var message = Vitals("SAME-1", "n4", "ORD-S", At, ("8867-4^^LN", "101", "/min^^UCUM", "F"));

        var acks = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => v2.SendAsync(message)));

        Assert.That(acks.Select(a => a.Code), Is.All.EqualTo("AA"));
        Assert.That(acks.Select(a => a.Raw).Distinct().Count(), Is.EqualTo(1), "one answer, given to every copy");
        using var nurse = v2.Host.ClientFor("nurse", "7W");
        var found = JsonNode.Parse(await Ok(await nurse.GetAsync($"/fhir/Observation?patient={id}&code=http://loinc.org|8867-4&_summary=count")))!;
        Assert.That((int?)found["total"], Is.EqualTo(1));
    }

    [Test]
    public async Task A_v2_write_is_audited_as_its_sender_from_its_address()
    {
        await AdmitAsync("n5");
        Accepted(await v2.SendAsync(Vitals("AUD-1", "n5", "ORD-A", At, ("9279-1^^LN", "18", "/min^^UCUM", "F"))));

        await using var c = await v2.Host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        var rows = await AuditStore.RecentAsync(c, 50, CancellationToken.None);
        var row = rows.First(r => r.Action == "hl7v2.ORU^R01" && r.ResourceType == "Observation");
        Assert.That(row.Actor, Is.EqualTo("hl7v2:MONITOR@7WEST"));
        Assert.That(row.Role, Is.EqualTo("integration"));
        Assert.That(row.RemoteAddress, Is.EqualTo("127.0.0.1"));
        Assert.That(row.Outcome, Is.EqualTo("success"));
        Assert.That(row.PatientId, Is.Not.Null);
    }
}
