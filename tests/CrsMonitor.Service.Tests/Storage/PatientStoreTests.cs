using CrsMonitor.Service.Storage;

namespace CrsMonitor.Service.Tests.Storage;

[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
[TestFixture(StorageProvider.SqlServer)]
public sealed class PatientStoreTests(StorageProvider provider) : StorageContract(provider)
{
    [Test]
    public async Task PatientsOfUnit_AreThoseWithAnInProgressEncounterThere()
    {
        await InTransaction(async (c, tx) =>
        {
            await PatientStore.UpsertPatientAsync(c, tx, "p1", new DateOnly(1960, 5, 17), "Ada Lovelace", T0, default);
            await PatientStore.UpsertEncounterAsync(c, tx, "e1", "p1", "7W", PatientStore.InProgress, "IMP", T0, default);
            await PatientStore.UpsertEncounterAsync(c, tx, "e2", "p2", "7W", "finished", "IMP", T0, default);
            await PatientStore.UpsertEncounterAsync(c, tx, "e3", "p3", "8E", PatientStore.InProgress, "IMP", T0, default);
            await PatientStore.UpsertEncounterAsync(c, tx, "e4", "p4", "7W", PatientStore.InProgress, null, T0, default);
            await PatientStore.UpsertEncounterAsync(c, tx, "e5", "p1", "7W", PatientStore.InProgress, "IMP", T0, default);
            return true;
        });

        var ward = await WithConnection(c => PatientStore.PatientsOfUnitAsync(c, "7W", default));
        Assert.That(ward, Is.EqualTo(new[] { new PatientRow("p1", "Ada Lovelace", new DateOnly(1960, 5, 17)), new PatientRow("p4", null, null) }));
    }

    [Test]
    public async Task Encounter_MovedOrFinished_ChangesTheUnitsOfThePatient()
    {
        await InTransaction(async (c, tx) =>
        {
            await PatientStore.UpsertEncounterAsync(c, tx, "e1", "p1", "7W", PatientStore.InProgress, "IMP", T0, default);
            await PatientStore.UpsertEncounterAsync(c, tx, "e2", "p1", "ICU", PatientStore.InProgress, "IMP", T0, default);
            return true;
        });
        var before = await WithConnection(c => PatientStore.UnitsOfPatientAsync(c, "p1", default));

        await InTransaction(async (c, tx) =>
        {
            await PatientStore.UpsertEncounterAsync(c, tx, "e1", "p1", "7W", "finished", "IMP", T0.AddDays(1), default);
            return true;
        });
        var after = await WithConnection(c => PatientStore.UnitsOfPatientAsync(c, "p1", default));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(before, Is.EqualTo(new[] { "7W", "ICU" }));
            Assert.That(after, Is.EqualTo(new[] { "ICU" }));
            Assert.That(await WithConnection(c => PatientStore.PatientsOfUnitAsync(c, "7W", default)), Is.Empty);
        }
    }

    [Test]
    public async Task Patient_UpsertTwice_KeepsTheLatestBirthDate()
    {
        await InTransaction(async (c, tx) =>
        {
            await PatientStore.UpsertPatientAsync(c, tx, "p1", null, null, T0, default);
            return true;
        });
        var unknown = await WithConnection(c => PatientStore.BirthDateAsync(c, null, "p1", default));
        await InTransaction(async (c, tx) =>
        {
            await PatientStore.UpsertPatientAsync(c, tx, "p1", new DateOnly(2015, 1, 31), "Child", T0.AddHours(1), default);
            return true;
        });

        using (Assert.EnterMultipleScope())
        {
            Assert.That(unknown, Is.Null);
            Assert.That(await WithConnection(c => PatientStore.BirthDateAsync(c, null, "p1", default)), Is.EqualTo(new DateOnly(2015, 1, 31)));
            Assert.That(await WithConnection(c => PatientStore.BirthDateAsync(c, null, "nobody", default)), Is.Null);
        }
    }
}
