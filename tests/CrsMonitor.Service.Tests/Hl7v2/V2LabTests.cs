using System.Text.Json.Nodes;
using CrsMonitor.Service.Readings;
using CrsMonitor.Service.Storage;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using static CrsMonitor.Service.Tests.Hl7v2.V2Messages;

namespace CrsMonitor.Service.Tests.Hl7v2;

/// <summary>
/// Laboratory results over MLLP (issue 16): an ORU^R01 OBX with a LOINC lab code (<c>1988-5^C reactive protein^LN</c>,
/// OBX-6 <c>mg/L^^UCUM</c>, OBX-14 or else OBR-7 the collection time) becomes the same Lab reading as the FHIR
/// Observation, through the same rules; a unit the code does not take is AE naming OBX-6; an SN with a comparator is a
/// censored result; OBX-11 C corrects it. On SQLite and PostgreSQL.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class V2LabTests(StorageProvider provider)
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

    /// <summary>An ORU with one OBR (OBR-7 <paramref name="obr7"/>) and one OBX per row: value type, code, value, units, status, OBX-14.</summary>
    private static string Labs(string control, string patient, string order, string obr7, params (string Type, string Code, string Value, string Unit, string Status, string Obx14)[] results) =>
        Join([Msh("ORU^R01^ORU_R01", control, app: "LIS", facility: "CORELAB"), Pid(patient), $"OBR|1||{order}^LIS|CHEM^Chemistry^L|||{obr7}",
            .. results.Select((r, i) => $"OBX|{i + 1}|{r.Type}|{r.Code}||{r.Value}|{r.Unit}|||||{r.Status}|||{r.Obx14}")]);

    private async Task<IReadOnlyList<Reading>> LabsOfAsync(string patientId)
    {
        await using var c = await v2.Host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        return await ReadingStore.SearchAsync(c, null, patientId, [ReadingKind.Lab], null, null, CancellationToken.None);
    }

    [Test]
    public async Task A_CRP_OBX_becomes_the_same_Lab_reading_as_the_FHIR_Observation()
    {
        await v2.SendAsync(Admit("ADM-L1", "l1", "7W", "l1"));
        var ack = await v2.SendAsync(Labs("LAB-1", "l1", "ACC-1", "20250301063000+0000",
            ("NM", "1988-5^C reactive protein^LN", "12.5", "mg/L^^UCUM", "F", "20250301061500+0000")));
        Assert.That(ack.Code, Is.EqualTo("AA"), ack.ToString());
        Assert.That(ack.Errors.Where(e => e.Severity == "W"), Is.Empty, "a code CrsMonitor understands: no warning");

        using var integration = v2.Host.ClientFor("integration");
        await AdmitAsync(integration, "l1-fhir", "7W");
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Research.LabFhir.Crp("l1-fhir", 12.5m, new DateTimeOffset(2025, 3, 1, 6, 15, 0, TimeSpan.Zero)))));

        var overV2 = (await LabsOfAsync((await v2.PatientIdAsync("l1"))!)).Single();
        var overFhir = (await LabsOfAsync("l1-fhir")).Single();
        Assert.That((overV2.Kind, overV2.Code, overV2.Value, overV2.OriginalValue, overV2.Qualifier, overV2.EffectiveAt),
            Is.EqualTo((overFhir.Kind, overFhir.Code, overFhir.Value, overFhir.OriginalValue, overFhir.Qualifier, overFhir.EffectiveAt)));
        Assert.That((overV2.Kind, overV2.Code, overV2.Value, overV2.OriginalValue), Is.EqualTo((ReadingKind.Lab, (string?)"crp", (decimal?)12.5m, (string?)"12.5 mg/L")));
    }

    [Test]
    public async Task Without_OBX_14_the_collection_time_is_OBR_7()
    {
        await v2.SendAsync(Admit("ADM-L2", "l2", "7W", "l2"));
        var ack = await v2.SendAsync(Labs("LAB-2", "l2", "ACC-2", "20250301054500+0000",
            ("NM", "777-3^Platelets^LN", "42", "10*3/uL^^UCUM", "F", string.Empty)));
        Assert.That(ack.Code, Is.EqualTo("AA"), ack.ToString());
        var reading = (await LabsOfAsync((await v2.PatientIdAsync("l2"))!)).Single();
        Assert.That((reading.Code, reading.Value, reading.EffectiveAt), Is.EqualTo(("platelets", (decimal?)42m, new DateTimeOffset(2025, 3, 1, 5, 45, 0, TimeSpan.Zero))));
    }

    [Test]
    public async Task A_unit_the_code_does_not_take_is_an_AE_naming_OBX_6_listing_the_units()
    {
        await v2.SendAsync(Admit("ADM-L3", "l3", "7W", "l3"));
        var ack = await v2.SendAsync(Labs("LAB-3", "l3", "ACC-3", "20250301063000+0000",
            ("NM", "2532-0^LDH^LN", "250", "U/L^^UCUM", "F", "20250301063000+0000"),
            ("NM", "1988-5^C reactive protein^LN", "12", "mmol/L^^UCUM", "F", "20250301063000+0000")));

        Assert.That(ack.Code, Is.EqualTo("AE"), ack.ToString());
        var error = ack.Errors.Single(e => e.Severity == "E");
        Assert.That(error.Location, Is.EqualTo("OBX^2^6^1"));
        Assert.That(error.Text, Does.Contain("OBX[2]-6").And.Contain("'mmol/L'").And.Contain("mg/L or mg/dL"));
        Assert.That(await LabsOfAsync((await v2.PatientIdAsync("l3"))!), Is.Empty, "nothing of the refused message is stored");
    }

    [Test]
    public async Task An_SN_below_the_assays_range_is_a_censored_result_with_no_number()
    {
        await v2.SendAsync(Admit("ADM-L4", "l4", "7W", "l4"));
        var ack = await v2.SendAsync(Labs("LAB-4", "l4", "ACC-4", "20250301063000+0000",
            ("SN", "26881-3^IL-6^LN", "<^1.5", "pg/mL^^UCUM", "F", "20250301063000+0000")));
        Assert.That(ack.Code, Is.EqualTo("AA"), ack.ToString());
        var reading = (await LabsOfAsync((await v2.PatientIdAsync("l4"))!)).Single();
        Assert.That((reading.Code, reading.Value, reading.OriginalValue), Is.EqualTo(("il-6", (decimal?)null, (string?)"<1.5 pg/mL")));
    }

    [Test]
    public async Task A_D_dimer_in_FEU_keeps_FEU_and_its_value_in_ng_per_mL()
    {
        await v2.SendAsync(Admit("ADM-L5", "l5", "7W", "l5"));
        var ack = await v2.SendAsync(Labs("LAB-5", "l5", "ACC-5", "20250301063000+0000",
            ("NM", "48065-7^D-dimer FEU^LN", "0.8", "ug/mL{FEU}^^UCUM", "F", "20250301063000+0000")));
        Assert.That(ack.Code, Is.EqualTo("AA"), ack.ToString());
        var reading = (await LabsOfAsync((await v2.PatientIdAsync("l5"))!)).Single();
        Assert.That((reading.Code, reading.Value, reading.Qualifier), Is.EqualTo(("d-dimer", (decimal?)800m, (string?)"FEU")));
    }

    [Test]
    public async Task A_corrected_result_OBX_11_C_is_the_next_version_and_the_chart_shows_it()
    {
        await v2.SendAsync(Admit("ADM-L6", "l6", "7W", "l6"));
        var first = await v2.SendAsync(Labs("LAB-6", "l6", "ACC-6", "20250301063000+0000",
            ("NM", "2160-0^Creatinine^LN", "1.4", "mg/dL^^UCUM", "F", "20250301063000+0000")));
        var corrected = await v2.SendAsync(Labs("LAB-6C", "l6", "ACC-6", "20250301063000+0000",
            ("NM", "2160-0^Creatinine^LN", "1.1", "mg/dL^^UCUM", "C", "20250301063000+0000")));
        Assert.That((first.Code, corrected.Code), Is.EqualTo(("AA", "AA")), corrected.ToString());

        var id = (await v2.PatientIdAsync("l6"))!;
        using var nurse = v2.Host.ClientFor("nurse", "7W");
        var answer = JsonNode.Parse(await Ok(await nurse.GetAsync($"/api/patients/{id}/biomarkers")))!;
        var point = answer["analytes"]!.AsArray().Single()!["points"]!.AsArray().Single()!;
        Assert.That(point["value"]!.GetValue<decimal>(), Is.EqualTo(1.1m));
        Assert.That(point["source"]!["versionId"]!.GetValue<int>(), Is.EqualTo(2));
    }
}
