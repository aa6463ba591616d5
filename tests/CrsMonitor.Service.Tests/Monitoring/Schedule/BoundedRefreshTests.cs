using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;

namespace CrsMonitor.Service.Tests.Monitoring.Schedule;

/// <summary>
/// Issue 12: the monitoring refresh reads a bounded state. Over generated courses (dense wearable vitals, late,
/// future-dated, tied and retracted readings, a corrected dose start, a second overlapping dose that may be retracted,
/// ICE drops and rising grades), the bounded refresh stores exactly what the whole-history refresh (the oracle: every
/// reading and grade step, matched by <see cref="SlotMatcher"/>) stores, after every step: doses, windows, slots with
/// their state, done time and evidence, and events; and records the same events in each call.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class BoundedRefreshTests(StorageProvider provider)
{
    private static IEnumerable<int> Seeds => Enumerable.Range(1, 8);

    [TestCaseSource(nameof(Seeds))]
    public async Task BoundedRefresh_GeneratedCourse_StoresWhatTheWholeHistoryRefreshStores_AfterEveryStep(int seed)
    {
        await using var boundedDb = await TestDatabase.CreateAsync(provider);
        await using var oracleDb = await TestDatabase.CreateAsync(provider);
        var bounded = BoundedRefreshCourse.Processor(new BoundedMonitoringReads());
        var oracle = BoundedRefreshCourse.Processor(new WholeHistoryMonitoringReads());
        var steps = BoundedRefreshCourse.Generate(seed);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var step in steps)
        {
            var recordedBounded = await BoundedRefreshCourse.ApplyAsync(boundedDb.Database, bounded, step);
            var recordedOracle = await BoundedRefreshCourse.ApplyAsync(oracleDb.Database, oracle, step);
            var stored = await BoundedRefreshCourse.StoredAsync(boundedDb.Database);
            var expected = await BoundedRefreshCourse.StoredAsync(oracleDb.Database);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(recordedBounded, Is.EqualTo(recordedOracle), $"events recorded by the refresh at {step.Now:O}");
                Assert.That(stored, Is.EqualTo(expected), $"stored state after the refresh at {step.Now:O}");
            }

            if (!stored.SequenceEqual(expected) || !recordedBounded.SequenceEqual(recordedOracle))
            {
                return; // the first step that differs is the one to read
            }

            seen.UnionWith(stored.SelectMany(Shapes));
        }

        // The course went through what it is meant to cover (else the equality above proves little).
        Assert.That(seen, Is.SupersetOf(new[] { "slot done", "slot overdue", "slot superseded", "slot intensified", "event check-overdue", "event eligible-for-discharge" }),
            $"seed {seed} covered: {string.Join(", ", seen.Order())}");
    }

    /// <summary>What a dump line is (a slot's state and basis, an event's kind), to show the generated courses reach every case.</summary>
    private static IEnumerable<string> Shapes(string line)
    {
        var fields = line.Split(" | ");
        if (line.StartsWith("slot ", StringComparison.Ordinal))
        {
            yield return "slot " + fields[6];
            yield return "slot " + fields[5];
        }
        else if (line.StartsWith("event ", StringComparison.Ordinal))
        {
            yield return "event " + line.Split(' ')[3];
        }
    }
}
