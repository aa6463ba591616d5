using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Storage;
using Dapper;

namespace CrsMonitor.Service.Tests.Storage;

[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
[TestFixture(StorageProvider.SqlServer)]
public sealed class GradeStoreTests(StorageProvider provider) : StorageContract(provider)
{
    [Test]
    public async Task ReplaceTimeline_FromAnInstant_KeepsEarlierPoints_ReplacesLaterOnes_OfEveryScale()
    {
        await Replace(DateTimeOffset.MinValue, [
            Point(Scale.Crs, T0, 1), Point(Scale.Crs, T0.AddHours(2), 2), Point(Scale.Crs, T0.AddHours(4), 0), Point(Scale.Icans, T0, 0), Point(Scale.Icans, T0.AddHours(3), 1)]);

        await Replace(T0.AddHours(1), [Point(Scale.Crs, T0.AddHours(1), 3), Point(Scale.Icans, T0.AddHours(5), 2)]);
        var crs = await WithConnection(c => GradeStore.TimelineAsync(c, "p1", Scale.Crs, null, null, default));
        var all = await WithConnection(c => GradeStore.TimelineAsync(c, "p1", null, null, null, default));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(crs.Select(p => (p.EffectiveAt, p.Grade)), Is.EqualTo(new[] { (T0, (int?)1), (T0.AddHours(1), 3) }));
            Assert.That(
                all.Select(p => (p.Scale, p.EffectiveAt, p.Grade)),
                Is.EqualTo(new[] { (Scale.Crs, T0, (int?)1), (Scale.Icans, T0, 0), (Scale.Crs, T0.AddHours(1), 3), (Scale.Icans, T0.AddHours(5), 2) }),
                "both scales replaced from the instant (the icans point at 3 h is gone), both kept before it; ordered by time, then scale");
            Assert.That(crs[1], Is.EqualTo(Point(Scale.Crs, T0.AddHours(1), 3)), "every field round-trips");
        }
    }

    [Test]
    public async Task Timeline_RangeIsInclusive()
    {
        await Replace(DateTimeOffset.MinValue, [Point(Scale.Crs, T0, 1), Point(Scale.Crs, T0.AddHours(1), 2), Point(Scale.Crs, T0.AddHours(2), 3)]);
        var range = await WithConnection(c => GradeStore.TimelineAsync(c, "p1", Scale.Crs, T0.AddHours(1), T0.AddHours(2), default));
        Assert.That(range.Select(p => p.Grade), Is.EqualTo(new int?[] { 2, 3 }));
    }

    [Test]
    public async Task Current_IsTheLatestPointAtOrBeforeTheInstant_PerScale()
    {
        await Replace(DateTimeOffset.MinValue, [Point(Scale.Crs, T0, 1), Point(Scale.Crs, T0.AddHours(2), 2), Point(Scale.Icans, T0.AddHours(3), 1)]);

        // Read as the pass reads them: in its snapshot's one command (every provider runs the batch).
        var atOne = await InTransaction(async (c, tx) => (await PatientSnapshot.LoadAsync(c, tx, "p1", T0.AddHours(1), default)).Points);
        var atThree = await InTransaction(async (c, tx) => (await PatientSnapshot.LoadAsync(c, tx, "p1", T0.AddHours(3), default)).Points);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(atOne.Select(p => (p.Scale, p.Grade)), Is.EqualTo(new[] { (Scale.Crs, (int?)1) }));
            Assert.That(atThree.Select(p => (p.Scale, p.Grade)), Is.EqualTo(new[] { (Scale.Crs, (int?)2), (Scale.Icans, (int?)1) }));
        }
    }

    [Test]
    public async Task Episodes_OpenAtTheInstantOrOpenedAfter_AreReplaced_ThoseResolvedBefore_AreKept()
    {
        var first = new EpisodeRow("p1", Scale.Crs, T0, 2, T0.AddHours(3), null, """["tocilizumab"]""");
        var icans = new EpisodeRow("p1", Scale.Icans, T0.AddHours(1), 1, T0.AddHours(1), T0.AddHours(3), "[]");
        await Replace(DateTimeOffset.MinValue, [], [first, icans]);

        var resolved = first with { MaxGrade = 3, ResolvedAt = T0.AddDays(2) };
        await Replace(T0.AddHours(5), [], [resolved]);
        Assert.That(await WithConnection(c => GradeStore.EpisodesAsync(c, "p1", default)), Is.EqualTo(new[] { resolved, icans }));
    }

    [Test]
    public void ReplaceTimeline_PointBeforeFrom_IsRefused() =>
        Assert.That(async () => await Replace(T0.AddHours(1), [Point(Scale.Crs, T0, 1)]), Throws.ArgumentException);

    [Test]
    public async Task Scale_IsStoredAsItsCode_TheTextTheColumnsHaveAlwaysHeld()
    {
        await Replace(DateTimeOffset.MinValue, [Point(Scale.Icans, T0, 1), Point(Scale.Crs, T0, 1)], [new EpisodeRow("p1", Scale.Icans, T0, 1, T0, null, "[]")]);
        var stored = await WithConnection(async c =>
            (await c.QueryAsync<string>("SELECT scale FROM grade_point UNION ALL SELECT scale FROM episode")).Order(StringComparer.Ordinal).ToList());
        Assert.That(stored, Is.EqualTo(new[] { "crs", "icans", "icans" }));
    }

    private Task<bool> Replace(DateTimeOffset from, GradePointRow[] points, EpisodeRow[]? episodes = null) =>
        InTransaction(async (c, tx) =>
        {
            await TimelineWriteBack.ReplaceAsync(c, tx, "p1", from, points, episodes ?? [], [], default);
            return true;
        });

    private static GradePointRow Point(Scale scale, DateTimeOffset at, int grade) =>
        new("p1", scale, at, "graded", grade, grade == 0 ? null : "rule", $$"""{"grade":{{grade}}}""", """[{"resourceType":"Observation","resourceId":"o1","versionId":1}]""", T0.AddDays(1));
}
