using CrsMonitor.Service.Storage;

namespace CrsMonitor.Service.Tests.Storage;

[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
[TestFixture(StorageProvider.SqlServer)]
public sealed class FhirResourceStoreTests(StorageProvider provider) : StorageContract(provider)
{
    private const string CountResources = "SELECT COUNT(*) FROM fhir_resource";
    private const string CountVersions = "SELECT COUNT(*) FROM fhir_resource_version";
    private const string CountIdentifiers = "SELECT COUNT(*) FROM fhir_identifier";

    [Test]
    public async Task Create_ThenRead_GivesVersion1AsStored()
    {
        var saved = await InTransaction((c, tx) => FhirResourceStore.CreateAsync(c, tx, Observation("o1", "hash-1", ("urn:sys", "a")), T0, default));
        var read = await WithConnection(c => FhirResourceStore.ReadAsync(c, "Observation", "o1", default));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(saved, Is.EqualTo(new SaveResult(SaveKind.Created, "o1", 1, T0, Body("o1", 1, T0, "hash-1"))));
            Assert.That(read, Is.EqualTo(new StoredResource("Observation", "o1", 1, T0, "p1", Body("o1", 1, T0, "hash-1"), "hash-1")), "the content hash is read back (a conditional create compares it with what was sent)");
            Assert.That(await WithConnection(c => FhirResourceStore.ReadVersionAsync(c, "Observation", "o1", 1, default)), Is.EqualTo(read));
            Assert.That(await WithConnection(c => FhirResourceStore.ExistsAsync(c, null, "Observation", "o1", default)), Is.True);
            Assert.That(await WithConnection(c => FhirResourceStore.ExistsAsync(c, null, "Patient", "o1", default)), Is.False);
            Assert.That(await WithConnection(c => FhirResourceStore.FindByIdentifierAsync(c, null, "Observation", "urn:sys", "a", default)), Is.EqualTo("o1"));
        }
    }

    [Test]
    public async Task Read_UnknownIdOrVersion_IsNull()
    {
        await InTransaction((c, tx) => FhirResourceStore.CreateAsync(c, tx, Observation("o1", "hash-1"), T0, default));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await WithConnection(c => FhirResourceStore.ReadAsync(c, "Observation", "nope", default)), Is.Null);
            Assert.That(await WithConnection(c => FhirResourceStore.ReadVersionAsync(c, "Observation", "o1", 2, default)), Is.Null);
        }
    }

    [Test]
    public async Task Upsert_SameContentIsUnchanged_NewContentIsVersion2_AndVersion1StaysReadable()
    {
        var t1 = T0.AddMinutes(5);
        var t2 = T0.AddMinutes(10);
        var created = await InTransaction((c, tx) => FhirResourceStore.UpsertAsync(c, tx, Observation("o1", "hash-1"), T0, default));
        var same = await InTransaction((c, tx) => FhirResourceStore.UpsertAsync(c, tx, Observation("o1", "hash-1"), t1, default));
        var changed = await InTransaction((c, tx) => FhirResourceStore.UpsertAsync(c, tx, Observation("o1", "hash-2"), t2, default));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(created, Is.EqualTo(new SaveResult(SaveKind.Created, "o1", 1, T0, Body("o1", 1, T0, "hash-1"))));
            Assert.That(same, Is.EqualTo(new SaveResult(SaveKind.Unchanged, "o1", 1, T0, Body("o1", 1, T0, "hash-1"), "p1")));
            Assert.That(changed, Is.EqualTo(new SaveResult(SaveKind.Updated, "o1", 2, t2, Body("o1", 2, t2, "hash-2"), "p1")));
            Assert.That((await WithConnection(c => FhirResourceStore.ReadAsync(c, "Observation", "o1", default)))!.VersionId, Is.EqualTo(2));
            Assert.That((await WithConnection(c => FhirResourceStore.ReadVersionAsync(c, "Observation", "o1", 1, default)))!.Body,
                Is.EqualTo(Body("o1", 1, T0, "hash-1")));
            Assert.That(await ScalarAsync(CountVersions), Is.EqualTo(2));
        }
    }

    [Test]
    public async Task Create_IdentifierAlreadyTaken_IsExistingWithTheFirstResource_AndWritesNothing()
    {
        await InTransaction((c, tx) => FhirResourceStore.CreateAsync(c, tx, Observation("first", "hash-1", ("urn:sys", "x1")), T0, default));
        var resend = await InTransaction((c, tx) =>
            FhirResourceStore.CreateAsync(c, tx, Observation("second", "hash-2", ("urn:other", "y"), ("urn:sys", "x1")), T0.AddHours(1), default));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(resend, Is.EqualTo(new SaveResult(SaveKind.Existing, "first", 1, T0, Body("first", 1, T0, "hash-1"), "p1")));
            Assert.That(await ScalarAsync(CountResources), Is.EqualTo(1));
            Assert.That(await ScalarAsync(CountIdentifiers), Is.EqualTo(1), "the second resource's other identifier was not kept");
        }
    }

    [Test]
    public async Task Create_ItsOneIdentifierTaken_IsExisting_AndTheRowsItWroteInTheSameCommandAreGone()
    {
        await InTransaction((c, tx) => FhirResourceStore.CreateAsync(c, tx, Observation("first", "hash-1", ("urn:sys", "x1")), T0, default));
        var resend = await InTransaction((c, tx) =>
            FhirResourceStore.CreateAsync(c, tx, Observation("second", "hash-2", ("urn:sys", "x1")), T0.AddHours(1), default));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(resend, Is.EqualTo(new SaveResult(SaveKind.Existing, "first", 1, T0, Body("first", 1, T0, "hash-1"), "p1")));
            Assert.That(await ScalarAsync(CountResources), Is.EqualTo(1), "the resend's resource row was removed with its refused claim");
            Assert.That(await ScalarAsync(CountVersions), Is.EqualTo(1), "and its version row");
            Assert.That(await ScalarAsync(CountIdentifiers), Is.EqualTo(1));
        }
    }

    [Test]
    public async Task Create_SameIdentifierOnAnotherType_IsCreated()
    {
        await InTransaction((c, tx) => FhirResourceStore.CreateAsync(c, tx, Observation("o1", "hash-1", ("urn:sys", "x1")), T0, default));
        var other = await InTransaction((c, tx) => FhirResourceStore.CreateAsync(
            c, tx, new ResourceToStore("MedicationAdministration", "m1", "p1", "hash-1", [("urn:sys", "x1")], (v, t) => Body("m1", v, t, "hash-1")), T0, default));
        Assert.That(other.Kind, Is.EqualTo(SaveKind.Created));
    }

    [Test]
    public async Task Create_32IdenticalInParallel_OneCreated31Existing_OneRow()
    {
        var saves = await Task.WhenAll(Enumerable.Range(0, 32).Select(i => Task.Run(() => InTransaction((c, tx) =>
            FhirResourceStore.CreateAsync(c, tx, Observation($"o{i}", "hash-1", ("urn:sys", "same")), T0, default)))));

        var winner = saves.Single(s => s.Kind == SaveKind.Created);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(saves.Count(s => s.Kind == SaveKind.Existing), Is.EqualTo(31));
            Assert.That(saves.Select(s => s.Id).Distinct(), Is.EqualTo(new[] { winner.Id }), "every resend answers with the one stored resource");
            Assert.That(await ScalarAsync(CountResources), Is.EqualTo(1));
            Assert.That(await ScalarAsync(CountVersions), Is.EqualTo(1));
            Assert.That(await ScalarAsync(CountIdentifiers), Is.EqualTo(1));
        }
    }

    [Test]
    public async Task Create_32IdenticalWithoutIdentifierInParallel_TheContentHashGuards()
    {
        var saves = await Task.WhenAll(Enumerable.Range(0, 32).Select(i => Task.Run(() => InTransaction((c, tx) =>
            FhirResourceStore.CreateAsync(c, tx, Observation($"o{i}", "same-content"), T0, default)))));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(saves.Count(s => s.Kind == SaveKind.Created), Is.EqualTo(1));
            Assert.That(saves.Select(s => s.Id).Distinct().Count(), Is.EqualTo(1));
            Assert.That(await ScalarAsync(CountResources), Is.EqualTo(1));
        }
    }

    [Test]
    public async Task Create_SameContentWithoutIdentifier_ObservationIsExisting_PatientIsNotContentGuarded()
    {
        var first = await InTransaction((c, tx) => FhirResourceStore.CreateAsync(c, tx, Observation("o1", "same"), T0, default));
        var resend = await InTransaction((c, tx) => FhirResourceStore.CreateAsync(c, tx, Observation("o2", "same"), T0.AddMinutes(1), default));
        var patient1 = await InTransaction((c, tx) => FhirResourceStore.CreateAsync(c, tx, Patient("p1", "same"), T0, default));
        var patient2 = await InTransaction((c, tx) => FhirResourceStore.CreateAsync(c, tx, Patient("p2", "same"), T0, default));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.Kind, Is.EqualTo(SaveKind.Created));
            Assert.That((resend.Kind, resend.Id), Is.EqualTo((SaveKind.Existing, "o1")));
            Assert.That((patient1.Kind, patient2.Kind), Is.EqualTo((SaveKind.Created, SaveKind.Created)));
        }
    }

    [Test]
    public async Task Create_WithIdentifier_DoesNotClaimTheContent()
    {
        await InTransaction((c, tx) => FhirResourceStore.CreateAsync(c, tx, Observation("o1", "same", ("urn:sys", "a")), T0, default));
        var other = await InTransaction((c, tx) => FhirResourceStore.CreateAsync(c, tx, Observation("o2", "same", ("urn:sys", "b")), T0, default));
        Assert.That(other.Kind, Is.EqualTo(SaveKind.Created), "two identified resources may share content");
    }

    [Test]
    public async Task Upsert_32ParallelPutsOfOneNewId_OneCreated_RestUnchanged()
    {
        var saves = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(() => InTransaction((c, tx) =>
            FhirResourceStore.UpsertAsync(c, tx, Observation("put-1", "hash-1", ("urn:sys", "put")), T0, default)))));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(saves.Count(s => s.Kind == SaveKind.Created), Is.EqualTo(1));
            Assert.That(saves.Count(s => s.Kind == SaveKind.Unchanged), Is.EqualTo(31));
            Assert.That(await ScalarAsync(CountVersions), Is.EqualTo(1));
        }
    }

    [Test]
    public async Task Transaction_ThatThrows_LeavesNothing()
    {
        Assert.That(
            async () => await InTransaction<int>(async (c, tx) =>
            {
                await FhirResourceStore.CreateAsync(c, tx, Observation("o1", "hash-1", ("urn:sys", "a")), T0, default);
                throw new InvalidOperationException("the caller failed after storing");
            }),
            Throws.InvalidOperationException);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await ScalarAsync(CountResources), Is.Zero);
            Assert.That(await ScalarAsync(CountVersions), Is.Zero);
            Assert.That(await ScalarAsync(CountIdentifiers), Is.Zero);
        }
    }

    [Test]
    public async Task ReadWithoutTransactionArgument_InsideInTransaction_SeesTheUncommittedWrite()
    {
        var seen = await InTransaction(async (c, tx) =>
        {
            await FhirResourceStore.CreateAsync(c, tx, Observation("o1", "hash-1"), T0, default);
            return await FhirResourceStore.ReadAsync(c, "Observation", "o1", default);
        });
        Assert.That(seen?.Id, Is.EqualTo("o1"));
    }

    [Test]
    public async Task Instants_AreKeptAsUtcToTheMicrosecond()
    {
        var local = new DateTimeOffset(2025, 3, 1, 10, 0, 0, TimeSpan.FromHours(2)).AddTicks(1_234_567);
        var saved = await InTransaction((c, tx) => FhirResourceStore.CreateAsync(c, tx, Observation("o1", "hash-1"), local, default));
        var read = await WithConnection(c => FhirResourceStore.ReadAsync(c, "Observation", "o1", default));

        var expected = new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero).AddTicks(1_234_560);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(saved.LastUpdated, Is.EqualTo(expected));
            Assert.That(read!.LastUpdated, Is.EqualTo(expected));
            Assert.That(read.LastUpdated.Offset, Is.EqualTo(TimeSpan.Zero));
        }
    }

    private static ResourceToStore Observation(string id, string hash, params (string System, string Value)[] identifiers) =>
        new("Observation", id, "p1", hash, identifiers, (v, t) => Body(id, v, t, hash));

    private static ResourceToStore Patient(string id, string hash) =>
        new("Patient", id, id, hash, [], (v, t) => Body(id, v, t, hash));

    private static string Body(string id, int version, DateTimeOffset at, string hash) =>
        $$"""{"id":"{{id}}","meta":{"versionId":"{{version}}","lastUpdated":"{{at:O}}"},"note":"{{hash}}"}""";
}
