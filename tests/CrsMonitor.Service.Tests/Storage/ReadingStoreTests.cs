using CrsMonitor.Service.Readings;
using CrsMonitor.Service.Storage;

namespace CrsMonitor.Service.Tests.Storage;

[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
[TestFixture(StorageProvider.SqlServer)]
public sealed class ReadingStoreTests(StorageProvider provider) : StorageContract(provider)
{
    [Test]
    public async Task Replace_ThenRead_RoundTripsEveryField()
    {
        var bp = Source("Observation", "bp", 1);
        var readings = new[]
        {
            Reading(ReadingKind.SystolicBp, T0, 88m, bp) with { OriginalValue = "88 mm[Hg]" },
            Reading(ReadingKind.DiastolicBp, T0, 52.5m, bp),
        };
        var med = Source("MedicationAdministration", "m1", 3);
        var infusion = Reading(ReadingKind.Medication, T0.AddMinutes(-30), null, med) with
        {
            EndAt = T0.AddHours(2), Code = "norepinephrine", Qualifier = "vasopressor", Detail = ReadingDetail.Of("""{"rate":"0.05"}"""),
        };

        await InTransaction((c, tx) => ReadingStore.ReplaceAsync(c, tx, "Observation", "bp", readings, newSource: false, default));
        await InTransaction((c, tx) => ReadingStore.ReplaceAsync(c, tx, "MedicationAdministration", "m1", [infusion], newSource: false, default));
        var stored = await WithConnection(c => ReadingStore.ForPatientAsync(c, null, "p1", default));

        Assert.That(stored, Is.EqualTo(new[] { infusion with { Sequence = 0 }, readings[0] with { Sequence = 0 }, readings[1] with { Sequence = 1 } }));
    }

    [Test]
    public async Task Decimals_AreExactToSixPlaces_AndComeBackWithoutTrailingZeros()
    {
        var source = Source("Observation", "t", 1);
        await InTransaction((c, tx) => ReadingStore.ReplaceAsync(
            c, tx, "Observation", "t", [Reading(ReadingKind.Temperature, T0, 38.123456m, source), Reading(ReadingKind.FiO2, T0, 40.000m, source)], newSource: false, default));
        var values = (await WithConnection(c => ReadingStore.ForPatientAsync(c, null, "p1", default))).Select(r => r.Value!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.That(values, Is.EquivalentTo(new[] { "38.123456", "40" }));
    }

    [Test]
    public async Task Replace_OnUpdate_KeepsOnlyTheNewVersionsReadings_AndReturnsTheOldInstants()
    {
        var v1 = Source("Observation", "o1", 1);
        await InTransaction((c, tx) => ReadingStore.ReplaceAsync(
            c, tx, "Observation", "o1", [Reading(ReadingKind.Spo2, T0, 91m, v1), Reading(ReadingKind.OxygenFlow, T0, 2m, v1)], newSource: false, default));

        var v2 = Source("Observation", "o1", 2);
        var previous = await InTransaction((c, tx) => ReadingStore.ReplaceAsync(c, tx, "Observation", "o1", [Reading(ReadingKind.Spo2, T0.AddMinutes(10), 95m, v2)], newSource: false, default));
        var stored = await WithConnection(c => ReadingStore.ForPatientAsync(c, null, "p1", default));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(previous, Is.EquivalentTo(new[] { new ReplacedReading(T0, ReadingKind.Spo2), new ReplacedReading(T0, ReadingKind.OxygenFlow) }));
            Assert.That(stored.Select(r => (r.Kind, r.Value, r.Source.VersionId)), Is.EqualTo(new[] { (ReadingKind.Spo2, (decimal?)95m, 2) }));
        }
    }

    [Test]
    public async Task Replace_WithNone_RetractsTheReadings()
    {
        var v1 = Source("Observation", "o1", 1);
        await InTransaction((c, tx) => ReadingStore.ReplaceAsync(c, tx, "Observation", "o1", [Reading(ReadingKind.HeartRate, T0, 120m, v1)], newSource: false, default));
        await InTransaction((c, tx) => ReadingStore.ReplaceAsync(c, tx, "Observation", "o1", [], newSource: false, default));
        Assert.That(await WithConnection(c => ReadingStore.ForPatientAsync(c, null, "p1", default)), Is.Empty);
    }

    [Test]
    public async Task Search_FiltersByKindAndInclusiveRange()
    {
        var s = Source("Observation", "o1", 1);
        await InTransaction((c, tx) => ReadingStore.ReplaceAsync(c, tx, "Observation", "o1",
        [
            Reading(ReadingKind.Temperature, T0, 38m, s),
            Reading(ReadingKind.Temperature, T0.AddHours(1), 39m, s),
            Reading(ReadingKind.HeartRate, T0.AddHours(1), 110m, s),
            Reading(ReadingKind.Temperature, T0.AddHours(2), 40m, s),
        ], newSource: false, default));

        var found = await WithConnection(c => ReadingStore.SearchAsync(c, null, "p1", [ReadingKind.Temperature], T0.AddHours(1), T0.AddHours(2), default));
        Assert.That(found.Select(r => r.Value), Is.EqualTo(new decimal?[] { 39m, 40m }));
    }

    [Test]
    public void Replace_ReadingOfAnotherSource_IsRefused() =>
        Assert.That(
            async () => await InTransaction((c, tx) => ReadingStore.ReplaceAsync(
                c, tx, "Observation", "o1", [Reading(ReadingKind.HeartRate, T0, 1m, Source("Observation", "other", 1))], newSource: false, default)),
            Throws.ArgumentException);

    private static ReadingSource Source(string type, string id, int version) => new(type, id, version);

    private static Reading Reading(ReadingKind kind, DateTimeOffset at, decimal? value, ReadingSource source) =>
        new() { PatientId = "p1", Kind = kind, EffectiveAt = at, Value = value, Source = source };
}
