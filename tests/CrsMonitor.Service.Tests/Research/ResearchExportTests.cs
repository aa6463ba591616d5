using System.Net;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Research.Csv;
using CrsMonitor.Service.Research.Export;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Dapper;
using Firely.Fhir.Validation;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Specification.Source;
using Hl7.Fhir.Specification.Terminology;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Alerts.RoundSettleKit;
using static CrsMonitor.Service.Tests.Assessment.TimelineCourse;
using static CrsMonitor.Service.Tests.Monitoring.Schedule.MonitoringHost;
using Task = System.Threading.Tasks.Task;

namespace CrsMonitor.Service.Tests.Research;

/// <summary>
/// Issue 16's done-when, on the public 48 h course with labs for two patients (one aged 66, one 95): the export's
/// AdverseEvents are accepted by Firely's validator against the base R4 specification; the CSV's columns are its
/// dictionary's and it holds the same episodes as the NDJSON; no identifier, name, birth date, stored id or real date
/// of either patient appears in any exported byte; only the researcher gets the CSV, and each download is audited.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
[NonParallelizable]
public sealed class ResearchExportTests(StorageProvider provider)
{
    private const string Younger = "p-research-ada";
    private const string Elder = "p-research-bea";
    private const string Unit = "7W";

    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private IReadOnlyList<ExportFile> files = [];
    private string csv = "";

    [OneTimeSetUp]
    public async Task PlayTheCourseAndExportAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = Host(database, H(-2));
        using (var integration = FreshClient(host, Roles.Integration))
        {
            await ResearchCourse.PlayAsync(host, integration, Younger, "1960-05-01", Unit);
        }

        // The second patient's course starts where the first's clock stands: the same course, later.
        host.Dispose();
        host = Host(database, H(-2));
        using (var integration = FreshClient(host, Roles.Integration))
        {
            await ResearchCourse.PlayAsync(host, integration, Elder, "1931-02-03", Unit);
        }

        await AdvanceToAsync(host, H(72));
        using var researcher = FreshClient(host, Roles.Researcher);
        files = await BulkExportAsync(researcher);
        csv = await Fhir.FhirTestData.Ok(await researcher.GetAsync("/api/research/episodes.csv"));
    }

    /// <summary>The whole Bulk Data flow as a client runs it: kick-off, status until the manifest, every file.</summary>
    private async Task<IReadOnlyList<ExportFile>> BulkExportAsync(HttpClient researcher)
    {
        var (_, id) = await Export.ExportKit.KickedOffAsync(researcher);
        await Export.ExportKit.WaitForAsync(host, id, ExportStatus.Completed);
        using var status = await Export.ExportKit.StatusAsync(researcher, id);
        var manifest = JsonNode.Parse(await Fhir.FhirTestData.Ok(status))!;
        var exported = new List<ExportFile>();
        foreach (var output in manifest["output"]!.AsArray())
        {
            using var file = await Export.ExportKit.FileAsync(researcher, output!["url"]!.GetValue<string>());
            var lines = (await Fhir.FhirTestData.Ok(file)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(lines, Has.Length.EqualTo(output["count"]!.GetValue<int>()), output.ToJsonString());
            exported.Add(new ExportFile(output["type"]!.GetValue<string>(), lines));
        }

        return [.. exported.GroupBy(f => f.ResourceType).Select(g => new ExportFile(g.Key, [.. g.SelectMany(f => f.Lines)]))];
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    private IReadOnlyList<string> Lines(string type) => files.SingleOrDefault(f => f.ResourceType == type)?.Lines ?? [];

    [Test]
    public void EachEpisode_IsOneAdverseEvent_ThatFirelysValidatorAcceptsAgainstTheBaseSpecification()
    {
        var source = new CachedResolver(ZipSource.CreateValidationSource());
        // Against the base specification (the done-when): the declared backport profile is not part of it, and its IG
        // package is not served here, so the validator is told to skip meta.profile rather than fail to resolve it.
        var settings = new ValidationSettings { SelectValidationProfiles = (_, _, _, _) => [] };
        var validator = new Validator(source.AsAsync(), LocalTerminologyService.CreateDefaultForCore(source.AsAsync()), settings: settings);
        var events = Lines("AdverseEvent");
        Assert.That(events, Has.Count.EqualTo(4), "CRS and ICANS of each patient");
        foreach (var line in events.Concat(Lines("Observation")).Concat(Lines("MedicationAdministration")).Concat(Lines("Patient")))
        {
            var resource = FhirJsonDeserializer.DEFAULT.Deserialize<Resource>(line);
            var outcome = validator.Validate(resource, $"http://hl7.org/fhir/StructureDefinition/{resource.TypeName}");
            var errors = outcome.Issue.Where(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal).ToList();
            Assert.That(errors.Select(e => $"{e.Expression.FirstOrDefault()}: {e.Details?.Text}"), Is.Empty, line);
        }
    }

    [Test]
    public void TheAdverseEvents_CarryTheGradeExtension_Seriousness_Outcome_AndTheDoseAsSuspectEntity()
    {
        var crs = Lines("AdverseEvent").Select(l => JsonNode.Parse(l)!).First(e => e["event"]!["coding"]![0]!["code"]!.GetValue<string>() == "crs");
        var extensions = crs["extension"]!.AsArray();
        string? Decimal(string url) => extensions.FirstOrDefault(e => e!["url"]!.GetValue<string>().EndsWith(url, StringComparison.Ordinal))?["valueDecimal"]?.ToString();
        var administrations = Lines("MedicationAdministration").Select(l => JsonNode.Parse(l)!).ToList();
        var suspect = crs["suspectEntity"]![0]!["instance"]!["reference"]!.GetValue<string>();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(crs["meta"]!["profile"]![0]!.GetValue<string>(), Is.EqualTo(AdverseEventResourceProfile));
            Assert.That(extensions.Single(e => e!["url"]!.GetValue<string>().EndsWith("/ae-grade", StringComparison.Ordinal))!["valueCodeableConcept"]!["coding"]![0]!["code"]!.GetValue<string>(),
                Is.EqualTo("C41339"), "grade 2");
            Assert.That(crs["seriousness"]!["coding"]![0]!["code"]!.GetValue<string>(), Is.EqualTo("non-serious"));
            Assert.That(crs["outcome"]!["coding"]![0]!["code"]!.GetValue<string>(), Is.EqualTo("resolved"));
            Assert.That(Decimal("onset-hours-from-infusion-start"), Is.EqualTo("13"), "the infusion ran h1 to h2; onset at h14");
            Assert.That(Decimal("onset-hours-from-infusion-end"), Is.EqualTo("12"));
            Assert.That(Decimal("peak-hours-from-infusion-start"), Is.EqualTo("15"));
            Assert.That(Decimal("resolution-hours-from-infusion-start"), Is.EqualTo("67"));
            Assert.That(administrations.Where(a => "MedicationAdministration/" + a["id"]!.GetValue<string>() == suspect)
                .Select(a => a["medicationCodeableConcept"]!["coding"]![0]!["code"]!.GetValue<string>()), Is.EqualTo(new[] { "tarlatamab" }));
        }
    }

    private const string AdverseEventResourceProfile = "http://hl7.org/fhir/uv/ae-research-backport-ig/StructureDefinition/AdverseEvent-clinical-research";

    [Test]
    public void TheCsv_HasExactlyTheDictionarysColumns_AndTheSameEpisodesAsTheNdjson()
    {
        var rows = EpisodeCsvTests.Rows(csv);
        var header = rows[0];
        int Column(string name) => Array.IndexOf(header, name);
        var ndjson = Lines("AdverseEvent").Select(l => JsonNode.Parse(l)!)
            .Select(e => (Id: e["id"]!.GetValue<string>(), Subject: e["subject"]!["reference"]!.GetValue<string>(), Onset: e["date"]!.GetValue<string>()))
            .OrderBy(e => e.Id, StringComparer.Ordinal);
        var fromCsv = rows.Skip(1)
            .Select(r => (Id: r[Column("episode_id")], Subject: "Patient/" + r[Column("patient_pseudonym")], Onset: r[Column("onset_at")]))
            .OrderBy(e => e.Id, StringComparer.Ordinal);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(header, Is.EqualTo(EpisodeCsvTests.Rows(EpisodeCsv.Dictionary()).Skip(1).Select(r => r[0])));
            Assert.That(rows.Skip(1).All(r => r.Length == header.Length), Is.True);
            Assert.That(fromCsv.Select(e => (e.Id, e.Subject)), Is.EqualTo(ndjson.Select(e => (e.Id, e.Subject))));
            Assert.That(fromCsv.Select(e => DateTimeOffset.Parse(e.Onset, System.Globalization.CultureInfo.InvariantCulture)),
                Is.EqualTo(ndjson.Select(e => DateTimeOffset.Parse(e.Onset, System.Globalization.CultureInfo.InvariantCulture))));
            Assert.That(Lines("Patient"), Has.Count.EqualTo(2));
        }
    }

    [Test]
    public void TheEpisodeRecord_RelatesTimesToTheDose_WithTheInputsAtThePeak_TheTreatments_AndTheLabs()
    {
        var rows = EpisodeCsvTests.Rows(csv);
        var header = rows[0];
        var records = rows.Skip(1).Select(r => header.Zip(r).ToDictionary(p => p.First, p => p.Second)).ToList();
        var crs = records.Where(r => r["toxicity"] == "crs").ToList();
        var icans = records.Where(r => r["toxicity"] == "icans").ToList();
        var younger = crs.Single(r => r["age_at_dose"] == "66");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(crs.Select(r => r["age_at_dose"]).Order(), Is.EqualTo(new[] { "66", "90+" }), "95 at the dose: capped");
            Assert.That(younger["max_grade"], Is.EqualTo("2"));
            Assert.That(younger["drug"], Is.EqualTo("tarlatamab"));
            Assert.That((younger["cycle"], younger["day"], younger["step_up_index"], younger["route"]), Is.EqualTo(("1", "1", "1", "IV")));
            Assert.That(younger["protocol_id"], Is.EqualTo("tarlatamab-us-2025-11"));
            Assert.That(younger["label_version"], Is.Not.Empty);
            Assert.That(younger["monitoring_setting"], Does.Contain("observed"));
            Assert.That((younger["onset_hours_from_infusion_start"], younger["peak_hours_from_infusion_start"], younger["resolution_hours_from_infusion_start"]),
                Is.EqualTo(("13", "15", "67")));
            Assert.That(younger["premedication"], Does.StartWith("dexamethasone").And.EndWith("@ -1"), "dexamethasone 1 h before the infusion");
            Assert.That(younger["tmax_celsius"], Is.EqualTo("38.9"));
            Assert.That(younger["fever_masked"], Is.EqualTo("false"), "at the peak (h16) the fever of h14 was charted");
            Assert.That(younger["vasopressors_at_peak"], Is.EqualTo("0"));
            Assert.That(younger["tocilizumab"], Does.StartWith("tocilizumab").And.EndWith("@ 4"));
            Assert.That(younger["corticosteroids"], Does.StartWith("dexamethasone").And.EndWith("@ 7"), "the premedication is not a treatment");
            Assert.That(younger["labs"], Does.Contain("crp 125 mg/L @ 2"), "12.5 mg/dL at h16, two hours after the onset");
            Assert.That(younger["labs"], Does.Contain("platelets 95 10*9/L @ 2"));
            Assert.That(younger["labs"], Does.Contain("ldh 250 U/L @ -15"), "the pre-dose labs (h-1) are within 48 h of the onset (h14)");
            Assert.That(younger["labs"], Does.Contain("creatinine 0.9 mg/dL @ -15"));
            Assert.That(icans.Select(r => r["lowest_ice"]).Distinct(), Is.EqualTo(new[] { "6" }));
            Assert.That(icans.Select(r => r["onset_hours_from_infusion_start"]).Distinct(), Is.EqualTo(new[] { "19" }));
            Assert.That(Lines("Observation"), Has.Count.EqualTo(2 * ResearchCourse.Labs.Length), "every lab of both patients");
        }
    }

    [Test]
    public async Task NoIdentifierNameBirthDateStoredIdOrRealDate_AppearsInAnyExportedByte()
    {
        var exported = string.Join("\n", files.SelectMany(f => f.Lines).Append(csv));
        await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        // Ids of every stored resource about a patient (the Patient, Encounters, Observations, administrations, ...).
        var storedIds = (await connection.QueryAsync<string>("SELECT id FROM fhir_resource WHERE patient_id IS NOT NULL")).ToList();
        var forbidden = new List<string> { Younger, Elder, "MRN-", "urn:mrn", "\"Test\"", "1960-05-01", "1931-02-03", "1960", "1931" };
        forbidden.AddRange(storedIds);
        for (var day = -2; day <= 4; day++)
        {
            forbidden.Add(H(24 * day).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        }

        var found = forbidden.Where(f => exported.Contains(f, StringComparison.OrdinalIgnoreCase)).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(storedIds, Has.Count.GreaterThan(50), "the course's resources are all there to look for");
            Assert.That(found, Is.Empty, "source values in the export");
            Assert.That(exported, Does.Contain("rp-"), "pseudonyms are there instead");
        }
    }

    [TestCase(Roles.Nurse)]
    [TestCase(Roles.Physician)]
    [TestCase(Roles.Admin)]
    [TestCase(Roles.Integration)]
    public async Task TheCsvAndItsDictionary_Are403_ForEveryRoleButTheResearcher(string role)
    {
        using var client = FreshClient(host, role, Unit);
        foreach (var path in new[] { "/api/research/episodes.csv", "/api/research/episodes-dictionary.csv" })
        {
            using var refused = await client.GetAsync(path);
            var correlation = refused.Headers.GetValues(AuditMiddleware.CorrelationHeader).Single();
            IReadOnlyList<AuditEntry> rows = [];
            await Alerts.AlertKit.WaitUntilAsync(async () =>
            {
                await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
                rows = [.. (await AuditStore.RecentAsync(connection, 10_000, CancellationToken.None)).Where(r => r.CorrelationId == correlation)];
                return rows.Count > 0;
            }, () => $"the audit row of {path}");
            using (Assert.EnterMultipleScope())
            {
                Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), path);
                Assert.That(refused.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), "a refusal says why");
                Assert.That(await refused.Content.ReadAsStringAsync(), Does.Not.Contain("rp-"), "and carries no research data");
            }

            Assert.That(rows.Where(r => r.CorrelationId == correlation).Select(r => (r.Outcome, r.Role)), Is.EqualTo(new[] { ("denied", (string?)role) }));
        }
    }

    [Test]
    public async Task EachDownload_IsAudited_WithTheResearcherAndTheRowCount()
    {
        using var researcher = FreshClient(host, Roles.Researcher);
        var response = await researcher.GetAsync("/api/research/episodes.csv");
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/csv"));
        var correlation = response.Headers.GetValues(AuditMiddleware.CorrelationHeader).Single();
        var rows = await Alerts.AlertKit.AuditRowsAsync(host, "research.episodes-csv", 2); // the fixture's download and this one
        var row = rows.Single(r => r.CorrelationId == correlation);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((row.Action, row.Role, row.Outcome, row.PatientId), Is.EqualTo(("research.episodes-csv", Roles.Researcher, "success", (string?)null)));
            Assert.That(row.Detail, Is.EqualTo("4 episodes of 2 patients, de-identified"));
        }
    }
}
