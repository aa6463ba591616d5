using CrsMonitor.Grading;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CrsMonitor.Service.Tests.Assessment;

/// <summary>
/// Issue 12: the whole-history recomputation stays as an admin verb, <c>regrade</c>, for repairs after a settings or rules
/// change: it replaces a patient's points, episodes and checkpoints with the computation from the start, audited.
/// </summary>
public sealed class RegradeCommandTests
{
    [Test]
    public async Task RegradeAll_RepairsADamagedTimeline_ToTheWholeHistoryComputation_AndAuditsEachPatient()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        var readings = GeneratedCourse.Readings(3, 48);
        var recalculator = new GradeRecalculator(Options.Create(GradingSettings.Default), Options.Create(new ContinuousGradingSettings()));
        var now = TimelineCourse.H(50);
        await db.Database.InTransactionAsync(async (c, tx) =>
        {
            foreach (var resource in readings.GroupBy(r => r.Source))
            {
                await ReadingStore.ReplaceAsync(c, tx, resource.Key.ResourceType, resource.Key.ResourceId, [.. resource], newSource: false, default);
            }

            await recalculator.RecalculateAsync(c, tx, TimelineCourse.PatientId, DateTimeOffset.MinValue, now, default);

            // A settings change, a bug: the stored timeline no longer matches the readings.
            await c.ExecuteAsync("DELETE FROM grade_point WHERE effective_at > @At", new { At = TimelineCourse.H(20) }, tx);
            await c.ExecuteAsync("UPDATE episode SET max_grade = 4", transaction: tx);
            return 0;
        }, default);

        var (code, output, errors) = Run(db, ["regrade", "all"], now);

        var expected = GradeTimeline.Compute(new PatientFacts(TimelineCourse.PatientId, null), readings, GradingSettings.Default, new ContinuousGradingSettings(), now);
        await using var connection = await db.Database.OpenAsync(default);
        var points = await GradeStore.TimelineAsync(connection, TimelineCourse.PatientId, null, null, null, default);
        var episodes = await GradeStore.EpisodesAsync(connection, TimelineCourse.PatientId, default);
        var audit = await connection.QuerySingleAsync<string>("SELECT detail FROM audit_log WHERE action = 'grading.regrade'");
        using (Assert.EnterMultipleScope())
        {
            Assert.That((code, errors), Is.EqualTo((RegradeCommand.Done, "")));
            Assert.That(output, Does.Contain($"regrade: Patient/{TimelineCourse.PatientId}: grade points").And.Contain("regrade: 1 patient(s) regraded"));
            Assert.That(points.Select(p => (p.Scale, p.EffectiveAt, p.Grade, p.Reason)),
                Is.EqualTo(expected.Points.OrderBy(p => p.At).ThenBy(p => p.Scale).Select(p => (p.Scale, p.At, p.Result.Grade, p.Result.Reason))));
            Assert.That(episodes.Select(e => (e.Scale, e.OnsetAt, e.MaxGrade, e.ResolvedAt)),
                Is.EqualTo(expected.Episodes.OrderBy(e => e.OnsetAt).ThenBy(e => e.Scale).Select(e => (e.Scale, e.OnsetAt, e.MaxGrade, e.ResolvedAt))));
            Assert.That(audit, Does.Match(@"^grade points \d+ before, \d+ after$"));
        }
    }

    [TestCase("regrade")]
    [TestCase("regrade patient")]
    [TestCase("regrade everything")]
    public async Task WithoutATarget_SaysHowToUseIt_AndFails(string line)
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        var (code, _, errors) = Run(db, line.Split(' '), TimelineCourse.T0);
        Assert.That((code, errors.Trim()), Is.EqualTo((RegradeCommand.Failed, $"regrade: {RegradeCommand.Usage}")));
    }

    [Test]
    public async Task APatientWithNoReadings_IsNamed_AndNothingIsAudited()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        var (code, output, errors) = Run(db, ["regrade", "patient", "no-such-patient"], TimelineCourse.T0);
        await using var connection = await db.Database.OpenAsync(default);
        var audited = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log");
        Assert.That((code, output, errors.Trim(), audited),
            Is.EqualTo((RegradeCommand.Failed, "", "regrade: Patient/no-such-patient has no readings: nothing to regrade (is the id right?)", 0L)));
    }

    [Test]
    public void ADatabaseNotMigrated_IsRefused_NamingTheMigrateVerb()
    {
        // An operator who upgrades the binary and regrades before migrating: the grading of this version needs its indexes.
        var folder = Directory.CreateTempSubdirectory("crs-regrade-").FullName;
        try
        {
            var settings = new Dictionary<string, string?> { ["Storage:Provider"] = "Sqlite", ["Storage:ConnectionString"] = $"Data Source={Path.Combine(folder, "new.db")}" };
            var (code, output, errors) = Run(settings, ["regrade", "all"], TimelineCourse.T0);
            Assert.That((code, output), Is.EqualTo((RegradeCommand.Failed, "")));
            Assert.That(errors, Does.StartWith("regrade: the Sqlite database is not migrated to this version (").And.Contains($"{Migrations.Scripts(StorageProvider.Sqlite)[^1].Name} pending").And.Contains("migrate"));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static (int Code, string Output, string Errors) Run(TestDatabase db, string[] args, DateTimeOffset now) => Run(db.HostSettings, args, now);

    private static (int Code, string Output, string Errors) Run(Dictionary<string, string?> settings, string[] args, DateTimeOffset now)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = RegradeCommand.Run(args, configuration, new FakeTimeProvider(now), stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
