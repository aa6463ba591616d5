using System.Text.Json.Nodes;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Fhir;

/// <summary>
/// Home medication (issue 17 item 4): a MedicationStatement of take-home dexamethasone or an antipyretic, reported by
/// the patient or a caregiver with the time it was taken, enters the same medication context as a
/// MedicationAdministration: CRS-AFEBRILE (and CRS-PREMED) and CRS-MASK give exactly what an administration gives, by
/// rule id, on both sides of the masking period. A protocol drug is refused (never a dose); bad input names the element.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class HomeMedicationTests(StorageProvider provider)
{
    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private HttpClient integration = null!;
    private HttpClient nurse = null!;

    private static DateTimeOffset T(double hours) => ServiceHost.Start.AddHours(hours);

    [SetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = new ServiceHost(database.HostSettings);
        host.Time.SetUtcNow(T(60));
        integration = host.ClientFor("integration");
        nurse = host.ClientFor("nurse", "7W");
    }

    [TearDown]
    public async Task StopAsync()
    {
        integration.Dispose();
        nurse.Dispose();
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    /// <summary>A MedicationStatement by RxNorm ingredient, taken at <paramref name="at"/>, reported by the patient or a caregiver.</summary>
    public static string Statement(string patient, string code, DateTimeOffset at, string source = "caregiver", string status = "completed", string? identifier = null) =>
        $$$"""
        {"resourceType":"MedicationStatement",{{{(identifier is null ? string.Empty : $"\"identifier\":[{{\"system\":\"urn:home:med\",\"value\":\"{identifier}\"}}],")}}}
         "status":"{{{status}}}",
         "medicationCodeableConcept":{"coding":[{"system":"{{{RxNorm}}}","code":"{{{code}}}"}]},
         "subject":{"reference":"Patient/{{{patient}}}"},"effectiveDateTime":"{{{Iso(at)}}}",
         "informationSource":{{{(source == "patient" ? $"{{\"reference\":\"Patient/{patient}\"}}" : "{\"type\":\"RelatedPerson\",\"display\":\"daughter\"}")}}}}
        """;

    private async Task GiveAsync(string how, string patient, string code, DateTimeOffset at)
    {
        var response = how == "statement"
            ? await integration.PostAsync("/fhir/MedicationStatement", Body(Statement(patient, code, at)))
            : await integration.PostAsync("/fhir/MedicationAdministration", Body(Medication(patient, RxNorm, code, at, at)));
        await Ok(response);
    }

    [TestCase("administration", 47.5, "not-gradable", TestName = "HomeDexamethasone_Administration_47h30Before_NasalCannula_NotGradable_SuspectedMaskedFever")]
    [TestCase("statement", 47.5, "not-gradable", TestName = "HomeDexamethasone_Statement_47h30Before_NasalCannula_NotGradable_SuspectedMaskedFever")]
    [TestCase("administration", 48.5, "graded", TestName = "HomeDexamethasone_Administration_48h30Before_NasalCannula_Grade0_AfebrileSupport")]
    [TestCase("statement", 48.5, "graded", TestName = "HomeDexamethasone_Statement_48h30Before_NasalCannula_Grade0_AfebrileSupport")]
    public async Task CrsAfebrile_AReportedDexamethasone_MasksExactlyAsAnAdministration(string how, double hoursBefore, string status)
    {
        await AdmitAsync(integration, "p-home", "7W");
        await GiveAsync(how, "p-home", "3264", T(60 - hoursBefore));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature("p-home", 37.2m, "Cel", T(59.5)))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Systolic("p-home", 120m, T(59.5)))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(OxygenDevice("p-home", "nasal-cannula", T(59.5), 2m))));
        var crs = (await StatusAsync("p-home"))["crs"]!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(crs["status"]!.GetValue<string>(), Is.EqualTo(status), crs.ToJsonString());
            Assert.That(Words(crs["flags"]), status == "graded"
                ? Does.Contain("afebrile-support").And.No.Contain("suspected-masked-fever")
                : Does.Contain("suspected-masked-fever").And.Contain("clinician-review"));
            Assert.That(RuleIds(crs), Does.Contain("CRS-AFEBRILE"));
            if (status == "not-gradable")
            {
                Assert.That(crs["reason"]!.GetValue<string>(), Is.EqualTo("suspected-masked-fever"));
            }
        }
    }

    [TestCase("administration", TestName = "CrsMask_Administration_OfAcetaminophenInAnOpenEpisode_GradesOnHypotensionAlone")]
    [TestCase("statement", TestName = "CrsMask_Statement_OfAcetaminophenInAnOpenEpisode_GradesOnHypotensionAlone")]
    public async Task CrsMask_AReportedAntipyretic_InAnOpenEpisode_AsAnAdministration(string how)
    {
        // Fever with SBP 85 at h0 (CRS 2); the antipyretic at h1; SBP 84 at h20 keeps the episode open; at h25 afebrile,
        // the h0 fever out of the 24 h look-back, SBP 84: CRS-MASK grades on hypotension alone (2), not CRS-AFEBRILE.
        await AdmitAsync(integration, "p-mask", "7W");
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature("p-mask", 38.5m, "Cel", T(35)))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Systolic("p-mask", 85m, T(35)))));
        await GiveAsync(how, "p-mask", "161", T(36));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Systolic("p-mask", 84m, T(55)))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature("p-mask", 37.0m, "Cel", T(59.9)))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Systolic("p-mask", 84m, T(59.9)))));
        var crs = (await StatusAsync("p-mask"))["crs"]!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That((crs["status"]!.GetValue<string>(), crs["grade"]?.GetValue<int>()), Is.EqualTo(("graded", 2)), crs.ToJsonString());
            Assert.That(RuleIds(crs), Does.Contain("CRS-MASK").And.No.Contain("CRS-AFEBRILE"));
        }
    }

    [Test]
    public async Task WithoutTheReportedDrug_TheSameCourse_IsCrsAfebrile_NotCrsMask()
    {
        // The control of the test above: the open episode alone makes it not gradable (CRS-AFEBRILE), so CRS-MASK there is the drug's.
        await AdmitAsync(integration, "p-nomask", "7W");
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature("p-nomask", 38.5m, "Cel", T(35)))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Systolic("p-nomask", 85m, T(35)))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Systolic("p-nomask", 84m, T(55)))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature("p-nomask", 37.0m, "Cel", T(59.9)))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Systolic("p-nomask", 84m, T(59.9)))));
        var crs = (await StatusAsync("p-nomask"))["crs"]!;
        Assert.That(RuleIds(crs), Does.Contain("CRS-AFEBRILE").And.No.Contain("CRS-MASK"), crs.ToJsonString());
    }

    [Test]
    public async Task AStatementOfTheProtocolDrug_Is422_NamingTheMedication_AndOpensNoDose()
    {
        await AdmitAsync(integration, "p-proto", "7W");
        var json = Statement("p-proto", "x", T(59)).Replace(RxNorm, CrsMonitorMedication, StringComparison.Ordinal).Replace("\"code\":\"x\"", "\"code\":\"tarlatamab\"", StringComparison.Ordinal);
        var outcome = await FhirAssert.OutcomeAsync(await integration.PostAsync("/fhir/MedicationStatement", Body(json)), 422);
        Assert.That(FhirAssert.Expressions(outcome), Has.Member("MedicationStatement.medicationCodeableConcept"));
        var status = await StatusAsync("p-proto");
        Assert.That(status["doses"]!.AsArray(), Is.Empty);
    }

    [TestCase("informationSource", null, "MedicationStatement.informationSource", TestName = "MedicationStatement_WithoutInformationSource_Is422_NamingIt")]
    [TestCase("informationSource", """{"reference":"Practitioner/dr-1"}""", "MedicationStatement.informationSource", TestName = "MedicationStatement_ReportedByAPractitioner_Is422_NamingIt")]
    [TestCase("informationSource", """{"reference":"Patient/someone-else"}""", "MedicationStatement.informationSource.reference", TestName = "MedicationStatement_ReportedByAnotherPatient_Is422_NamingIt")]
    [TestCase("effectiveDateTime", null, "MedicationStatement.effective[x]", TestName = "MedicationStatement_WithoutATime_Is422_NamingEffective")]
    public async Task BadStatements_Are422_NamingTheElement(string element, string? value, string expression)
    {
        await AdmitAsync(integration, "p-bad", "7W");
        var node = JsonNode.Parse(Statement("p-bad", "3264", T(59)))!.AsObject();
        if (value is null)
        {
            node.Remove(element);
        }
        else
        {
            node[element] = JsonNode.Parse(value);
        }

        var outcome = await FhirAssert.OutcomeAsync(await integration.PostAsync("/fhir/MedicationStatement", Body(node.ToJsonString())), 422);
        Assert.That(FhirAssert.Expressions(outcome), Has.Member(expression));
    }

    [TestCase("intended", TestName = "MedicationStatement_Intended_IsStoredWithAWarning_NoMedicationContext")]
    [TestCase("not-taken", TestName = "MedicationStatement_NotTaken_IsStoredWithAWarning_NoMedicationContext")]
    public async Task NotTaken_IsStored_ButMasksNothing(string status)
    {
        await AdmitAsync(integration, "p-int", "7W");
        var response = await integration.PostAsync("/fhir/MedicationStatement", Body(Statement("p-int", "3264", T(59), status: status)));
        await Ok(response);
        Assert.That(string.Join(" ", response.Headers.GetValues("Warning")), Does.Contain("MedicationStatement.status"));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature("p-int", 37.2m, "Cel", T(59.5)))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Systolic("p-int", 120m, T(59.5)))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(OxygenDevice("p-int", "nasal-cannula", T(59.5), 2m))));
        var crs = (await StatusAsync("p-int"))["crs"]!;
        Assert.That(Words(crs["flags"]), Does.Contain("afebrile-support"), crs.ToJsonString());
    }

    [Test]
    public async Task AReportedDrug_IsMarkedReported_AndAnEnteredInErrorCorrection_Retracts()
    {
        await AdmitAsync(integration, "p-ret", "7W");
        await Ok(await integration.PostAsync("/fhir/MedicationStatement", Body(Statement("p-ret", "3264", T(59), identifier: "m-1"))));
        await using (var c = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None))
        {
            var readings = await ReadingStore.ForPatientAsync(c, null, "p-ret", CancellationToken.None);
            var dex = readings.Single(r => r.Code == "dexamethasone");
            Assert.That((dex.Qualifier, dex.ReportedBy, dex.Source.ResourceType), Is.EqualTo(("corticosteroid", "caregiver", "MedicationStatement")));
        }

        await Ok(await integration.PostAsync("/fhir/MedicationStatement", Body(Statement("p-ret", "3264", T(59), status: "entered-in-error", identifier: "m-1"))));
        await using (var c = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None))
        {
            Assert.That((await ReadingStore.ForPatientAsync(c, null, "p-ret", CancellationToken.None)).Where(r => r.Code == "dexamethasone"), Is.Empty);
        }
    }

    private async Task<JsonNode> StatusAsync(string patient) =>
        JsonNode.Parse(await Ok(await nurse.GetAsync($"/api/patients/{patient}/status")))!;

    private static IEnumerable<string> Words(JsonNode? array) => array!.AsArray().Select(n => n!.GetValue<string>());

    private static IEnumerable<string> RuleIds(JsonNode grade) => grade["rules"]!.AsArray().Select(r => r!["id"]!.GetValue<string>());
}
