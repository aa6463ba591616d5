using System.Net;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using Task = System.Threading.Tasks.Task;

namespace CrsMonitor.Service.Tests.Fhir;

/// <summary>
/// An interface engine could be pointed at it today: Firely's own <see cref="FhirClient"/> (what many .NET interface
/// engines use) against the service, through the in-process host's HttpClient. Metadata, update-as-create of the ADT
/// resources, create, conditional create resent, a transaction with <c>urn:uuid:</c> references built with Firely's
/// <see cref="TransactionBuilder"/> and resent, errors the client turns into <see cref="FhirOperationException"/>
/// with the OperationOutcome, and reading back with a nurse's token. On each storage provider.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class FhirClientRoundTripTests(StorageProvider provider)
{
    private const string Loinc = "http://loinc.org";
    private const string ObservationIds = "urn:ehr:obs";

    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private readonly List<IDisposable> disposables = [];
    private FhirClient integration = null!;
    private FhirClient nurse7W = null!;

    private static DateTimeOffset T(double hours) => ServiceHost.Start.AddHours(hours);

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = new ServiceHost(database.HostSettings);
        integration = Client(host.TokenFor("integration"));
        nurse7W = Client(host.TokenFor("nurse", "7W"));
        await AdmitAsync("rt-p1");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        integration.Dispose();
        nurse7W.Dispose();
        foreach (var d in disposables)
        {
            d.Dispose();
        }

        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    [Test]
    public async Task Metadata_IsACapabilityStatementForR4_WithTransactionAndConditionalCreate()
    {
        var statement = await integration.CapabilityStatementAsync();
        Assert.That(statement, Is.Not.Null);
        var rest = statement!.Rest.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(statement.FhirVersion, Is.EqualTo(FHIRVersion.N4_0_1));
            Assert.That(rest.Resource.Select(r => r.Type), Is.EquivalentTo(new[]
                { "Patient", "Location", "Encounter", "Observation", "MedicationAdministration", "MedicationStatement", "QuestionnaireResponse" }));
            Assert.That(rest.Interaction.Select(i => i.Code), Is.EquivalentTo(new[]
                { CapabilityStatement.SystemRestfulInteraction.Transaction, CapabilityStatement.SystemRestfulInteraction.Batch }));
            Assert.That(rest.Resource.Single(r => r.Type == "Observation").ConditionalCreate, Is.True);
            Assert.That(rest.Resource.Single(r => r.Type == "Patient").ConditionalCreate, Is.False);
        }
    }

    [Test]
    public async Task Update_OfANewId_Creates_AndTheSameUpdateAgainIsUnchanged()
    {
        var patient = NewPatient("rt-update");
        patient.Id = "rt-update";
        var first = await integration.UpdateAsync(patient);
        var firstStatus = integration.LastResult!.Status;
        var again = await integration.UpdateAsync(patient);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(firstStatus, Does.StartWith("201"));
            Assert.That(integration.LastResult!.Status, Does.StartWith("200"));
            Assert.That(first!.Id, Is.EqualTo("rt-update"));
            Assert.That(again!.Meta!.VersionId, Is.EqualTo("1"));
        }
    }

    [Test]
    public async Task Create_Observation_ThenTheUnitsNurseReadsAndSearchesIt()
    {
        var created = await integration.CreateAsync(Temperature("rt-p1", 38.2m, T(-2)));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(integration.LastResult!.Status, Does.StartWith("201"));
            Assert.That(created!.Id, Is.Not.Null.And.Not.Empty);
            Assert.That(created.Meta!.VersionId, Is.EqualTo("1"));
        }

        var read = await nurse7W.ReadAsync<Observation>($"Observation/{created!.Id}");
        var found = await nurse7W.SearchAsync<Observation>(new SearchParams().Add("patient", "rt-p1").Add("code", $"{Loinc}|8310-5"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(((Quantity)read!.Value!).Value, Is.EqualTo(38.2m));
            Assert.That(read.Subject!.Reference, Is.EqualTo("Patient/rt-p1"));
            Assert.That(found!.Type, Is.EqualTo(Bundle.BundleType.Searchset));
            Assert.That(found.Entry.Select(e => e.Resource!.Id), Does.Contain(created.Id));
        }
    }

    [Test]
    public async Task ConditionalCreate_Twice_GivesTheSameResource_201Then200()
    {
        var condition = new SearchParams().Add("identifier", $"{ObservationIds}|rt-cc-1");
        var first = await integration.ConditionalCreateAsync(Temperature("rt-p1", 37.9m, T(-3), "rt-cc-1"), condition);
        var firstStatus = integration.LastResult!.Status;
        // The resend holds what was sent: the stored resource is the answer, as Firely's default (representation) expects.
        var second = await integration.ConditionalCreateAsync(Temperature("rt-p1", 37.9m, T(-3), "rt-cc-1"), condition);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(firstStatus, Does.StartWith("201"));
            Assert.That(integration.LastResult!.Status, Does.StartWith("200"));
            Assert.That(integration.LastResult.Location, Does.EndWith($"Observation/{first!.Id}/_history/1"));
            Assert.That(second!.Id, Is.EqualTo(first.Id));
        }
    }

    [Test]
    public async Task Create_WithAWarning_ReturnsTheCreatedObservation_AndAnAbsoluteLocation()
    {
        // A body mass index: stored, not graded, answered with a warning that must not replace the created resource.
        var bmi = Temperature("rt-p1", 37m, T(-2));
        bmi.Code = new CodeableConcept(Loinc, "39156-5");
        bmi.Value = new Quantity(24.3m, "kg/m2");
        var created = await integration.CreateAsync(bmi);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(created, Is.Not.Null);
            Assert.That(created!.Id, Is.Not.Null);
            Assert.That(integration.LastResult!.Status, Does.StartWith("201"));
            Assert.That(new Uri(integration.LastResult.Location!).IsAbsoluteUri, Is.True);
            Assert.That(integration.LastResult.Location, Is.EqualTo($"{integration.Endpoint.OriginalString.TrimEnd('/')}/Observation/{created.Id}/_history/1"));
        }
    }

    [Test]
    public async Task Correction_ConditionalUpdate_AndIfMatch_ThroughTheClient()
    {
        var created = await integration.CreateAsync(Temperature("rt-p1", 38.4m, T(-6), "rt-fix-1"));
        var corrected = await integration.CreateAsync(Temperature("rt-p1", 37.4m, T(-6), "rt-fix-1"));
        Assert.That((corrected!.Id, corrected.Meta!.VersionId), Is.EqualTo((created!.Id, "2")), "a correction is the next version of the same Observation");
        var original = await nurse7W.ReadAsync<Observation>($"Observation/{created.Id}/_history/1");
        Assert.That(((Quantity)original!.Value!).Value, Is.EqualTo(38.4m), "vread (Firely reads a versioned address as a vread): the version before the correction is kept");

        var condition = new SearchParams().Add("identifier", $"{ObservationIds}|rt-fix-1");
        var updated = await integration.ConditionalUpdateAsync(Temperature("rt-p1", 37.6m, T(-6), "rt-fix-1"), condition);
        Assert.That((updated!.Id, updated.Meta!.VersionId), Is.EqualTo((created.Id, "3")));

        // versionAware: Firely sends If-Match with the version it holds; version 2 is stale now.
        corrected.Value = new Quantity(39.0m, "Cel") { System = "http://unitsofmeasure.org", Code = "Cel" };
        var stale = await Assert.ThrowsAsync<FhirOperationException>(() => integration.UpdateAsync(corrected, versionAware: true));
        Assert.That(stale!.Status, Is.EqualTo(HttpStatusCode.PreconditionFailed));
        Assert.That(stale.Outcome!.Issue.SelectMany(i => i.Expression), Is.EqualTo(new[] { "If-Match" }));

        updated.Value = new Quantity(37.8m, "Cel") { System = "http://unitsofmeasure.org", Code = "Cel" };
        var current = await integration.UpdateAsync(updated, versionAware: true);
        Assert.That(current!.Meta!.VersionId, Is.EqualTo("4"));
    }

    [Test]
    public async Task Transaction_FromTransactionBuilder_ResolvesUrnUuid_AndAResendCreatesNothingNew()
    {
        var patientUrn = $"urn:uuid:{Guid.NewGuid()}";
        var builder = new TransactionBuilder(integration.Endpoint, Bundle.BundleType.Transaction);
        builder.Create(NewPatient("rt-tx"), patientUrn);
        builder.Create(Temperature(patientUrn, 38.9m, T(-4)));
        builder.ConditionalCreate(Temperature(patientUrn, 39.1m, T(-3.5), "rt-tx-2"), new SearchParams().Add("identifier", $"{ObservationIds}|rt-tx-2"));
        var bundle = builder.ToBundle();

        var response = await integration.TransactionAsync(bundle);
        Assert.That(response, Is.Not.Null);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response!.Type, Is.EqualTo(Bundle.BundleType.TransactionResponse));
            Assert.That(response.Entry.Select(e => e.Response!.Status), Is.All.StartWith("201"));
            Assert.That(response.Entry, Has.Count.EqualTo(3));
        }

        var locations = response!.Entry.Select(e => e.Response!.Location!).ToList();
        var patientId = IdOf(locations[0]);
        await AdmitExistingAsync(patientId);
        var observations = await Task.WhenAll(locations.Skip(1).Select(l => nurse7W.ReadAsync<Observation>($"Observation/{IdOf(l)}")));
        Assert.That(observations.Select(o => o!.Subject!.Reference), Is.All.EqualTo($"Patient/{patientId}"));

        var resent = await integration.TransactionAsync(bundle);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(resent!.Entry.Select(e => e.Response!.Location), Is.EqualTo(locations));
            Assert.That(resent.Entry.Select(e => e.Response!.Status), Is.All.StartWith("200"));
        }

        var found = await nurse7W.SearchAsync<Observation>(new SearchParams().Add("patient", patientId).Add("code", $"{Loinc}|8310-5"));
        Assert.That(found!.Entry, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task Batch_FromTransactionBuilder_AnswersEachEntry()
    {
        var builder = new TransactionBuilder(integration.Endpoint, Bundle.BundleType.Batch);
        builder.Create(Temperature("rt-p1", 37.6m, T(-5)));
        builder.Create(Temperature("rt-nobody", 37.6m, T(-5)));
        var response = await integration.TransactionAsync(builder.ToBundle());
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response!.Type, Is.EqualTo(Bundle.BundleType.BatchResponse));
            Assert.That(response.Entry.Select(e => e.Response!.Status), Is.EqualTo(new[] { "201 Created", "422 Unprocessable Entity" }));
            Assert.That(response.Entry[1].Response!.Outcome, Is.InstanceOf<OperationOutcome>());
        }
    }

    [Test]
    public async Task RuleBroken_ClientThrowsWithTheOperationOutcome_NamingTheElement()
    {
        var noTime = Temperature("rt-p1", 37m, T(-1));
        noTime.Effective = null;
        var e = await Assert.ThrowsAsync<FhirOperationException>(() => integration.CreateAsync(noTime));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(e!.Status, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
            Assert.That(e.Outcome!.Issue.SelectMany(i => i.Expression), Has.Some.StartWith("Observation.effective"));
        }
    }

    [Test]
    public async Task OtherUnitsNurse_And_NoToken_ClientThrowsWithTheOperationOutcome()
    {
        var nurse5E = Client(host.TokenFor("nurse", "5E"));
        var anonymous = Client(null);
        var denied = await Assert.ThrowsAsync<FhirOperationException>(() => nurse5E.ReadAsync<Patient>("Patient/rt-p1"));
        var unauthorised = await Assert.ThrowsAsync<FhirOperationException>(() => anonymous.CreateAsync(Temperature("rt-p1", 37m, T(-1))));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(denied!.Status, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(denied.Outcome!.Issue, Is.Not.Empty);
            Assert.That(unauthorised!.Status, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(unauthorised.Outcome!.Issue, Is.Not.Empty);
        }
    }

    private FhirClient Client(string? token)
    {
        var http = host.ClientWith(token);
        var client = new FhirClient(new Uri(http.BaseAddress!, "fhir"), http, new FhirClientSettings
        {
            PreferredFormat = ResourceFormat.Json,
            VerifyFhirVersion = true,
            ReturnPreference = ReturnPreference.Representation,
        });
        disposables.Add(client);
        disposables.Add(http);
        return client;
    }

    /// <summary>The ADT feed admits a patient to 7W: Location, Patient and Encounter by update (PUT) with their ids.</summary>
    private async Task AdmitAsync(string patientId)
    {
        await integration.UpdateAsync(new Location { Id = "7W", Status = Location.LocationStatus.Active, Name = "Ward 7W" });
        var patient = NewPatient(patientId);
        patient.Id = patientId;
        await integration.UpdateAsync(patient);
        await AdmitExistingAsync(patientId);
    }

    private async Task AdmitExistingAsync(string patientId)
    {
        var encounter = new Encounter
        {
            Id = $"enc-{patientId}",
            Status = Encounter.EncounterStatus.InProgress,
            Class = new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "IMP"),
            Subject = new ResourceReference($"Patient/{patientId}"),
        };
        encounter.Location.Add(new Encounter.LocationComponent { Location = new ResourceReference("Location/7W") });
        var stored = await integration.UpdateAsync(encounter);
        Assert.That(stored!.Id, Is.EqualTo($"enc-{patientId}"));
    }

    private static Patient NewPatient(string mrn)
    {
        var patient = new Patient { BirthDate = "1958-11-02" };
        patient.Identifier.Add(new Identifier("urn:mrn", $"MRN-{mrn}"));
        patient.Name.Add(new HumanName { Family = "RoundTrip", Given = [mrn] });
        return patient;
    }

    /// <summary>A body temperature in Cel; <paramref name="subject"/> is a patient id or a <c>urn:uuid:</c>.</summary>
    private static Observation Temperature(string subject, decimal celsius, DateTimeOffset at, string? identifier = null)
    {
        var observation = new Observation
        {
            Status = ObservationStatus.Final,
            Code = new CodeableConcept(Loinc, "8310-5"),
            Subject = new ResourceReference(subject.StartsWith("urn:", StringComparison.Ordinal) ? subject : $"Patient/{subject}"),
            Effective = new FhirDateTime(at),
            Value = new Quantity(celsius, "Cel"),
        };
        observation.Category.Add(new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs"));
        if (identifier is not null)
        {
            observation.Identifier.Add(new Identifier(ObservationIds, identifier));
        }

        return observation;
    }

    /// <summary>The id in a <c>Type/id/_history/n</c> location.</summary>
    private static string IdOf(string location) => location.Split('/')[1];
}
