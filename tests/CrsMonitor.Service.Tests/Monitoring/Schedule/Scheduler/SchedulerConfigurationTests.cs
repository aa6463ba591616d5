using System.Net;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace CrsMonitor.Service.Tests.Monitoring.Schedule.Scheduler;

/// <summary>Quartz's configuration: clustering refused on SQLite, its tables made by the migrate verb, its readiness check.</summary>
public sealed class SchedulerConfigurationTests
{
    [Test]
    public void Sqlite_Clustered_ServiceRefusesToStart_SayingClusteringNeedsPostgresOrSqlServer()
    {
        using var host = new ServiceHost(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = StorageProvider.Sqlite.ToString(),
            ["Monitoring:Clustered"] = "true",
        });
        var error = Assert.Catch(() => host.CreateClient().Dispose());
        Assert.That(error, Is.InstanceOf<StartupConfigurationException>(), error?.ToString());
        Assert.That(error!.Message, Does.Contain("PostgreSQL or SQL Server").And.Contain("Monitoring:Clustered"));
    }

    [TestCase(StorageProvider.Postgres)]
    [TestCase(StorageProvider.Sqlite)]
    public async Task MigrateVerb_FreshDatabase_CreatesTheQuartzTables_AndASecondRunIsANoOp(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: false);
        using var data = new TempDirectory();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>(db.HostSettings)
        {
            [DataDirectory.ConfigurationKey] = data.Path,
        }).Build();
        var before = await QuartzTablesAsync(db);

        using var firstOut = new StringWriter();
        using var firstErr = new StringWriter();
        var first = MigrateCommand.Run(configuration, firstOut, firstErr);
        var afterFirst = await QuartzTablesAsync(db);
        using var secondOut = new StringWriter();
        using var secondErr = new StringWriter();
        var second = MigrateCommand.Run(configuration, secondOut, secondErr);
        var afterSecond = await QuartzTablesAsync(db);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(before, Is.Empty, "no Quartz table before the migrate verb");
            Assert.That(first, Is.EqualTo(MigrateCommand.Migrated), firstErr.ToString());
            Assert.That(afterFirst, Is.SupersetOf(new[]
            {
                "qrtz_job_details", "qrtz_triggers", "qrtz_simple_triggers", "qrtz_cron_triggers", "qrtz_fired_triggers",
                "qrtz_scheduler_state", "qrtz_locks", "qrtz_calendars", "qrtz_paused_trigger_grps",
            }));
            Assert.That(firstOut.ToString(), Does.Contain("applied 0001_initial.sql").And.Contain("Quartz tables (QRTZ_*)"));
            Assert.That(second, Is.EqualTo(MigrateCommand.Migrated), secondErr.ToString());
            Assert.That(secondErr.ToString(), Is.Empty);
            Assert.That(secondOut.ToString(), Does.Contain("up to date (nothing to apply)").And.Contain("Quartz tables (QRTZ_*)"));
            Assert.That(afterSecond, Is.EqualTo(afterFirst), "the second run changes no table");
            Assert.That(await CountAsync(db, "qrtz_job_details") + await CountAsync(db, "qrtz_triggers"), Is.Zero, "the verb schedules nothing");
        }
    }

    [TestCase(StorageProvider.Sqlite, false)]
    [TestCase(StorageProvider.Postgres, false)]
    [TestCase(StorageProvider.Postgres, true)]
    public async Task Ready_OnceStarted_TheSchedulerCheckIsHealthy(StorageProvider provider, bool clustered)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var settings = db.HostSettings;
        settings["Monitoring:Clustered"] = clustered ? "true" : "false";
        using var host = new ServiceHost(settings);
        using var client = host.ClientWith(null);
        var scheduler = await host.Services.GetRequiredService<SchedulerHost>().Scheduler;

        using var response = await client.GetAsync("/health/ready");
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body.ToJsonString());
            Assert.That(body["checks"]!["scheduler"]!["status"]!.GetValue<string>(), Is.EqualTo("healthy"));
            Assert.That(body["checks"]!["scheduler"]!["description"]!.GetValue<string>(), Is.EqualTo("Quartz is running"));
            Assert.That(scheduler.Status, Is.EqualTo(SchedulerStatus.Running));
            Assert.That((await scheduler.QueryClusterNodes()).Count, Is.EqualTo(1), "one node");
        }
    }

    [Test]
    public async Task Ready_SchedulerShutDownWhileRunning_Is503WithTheSchedulerCheckUnhealthy()
    {
        using var host = new ServiceHost();
        using var client = host.ClientWith(null);
        using (var before = await client.GetAsync("/health/ready"))
        {
            Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var scheduler = await host.Services.GetRequiredService<SchedulerHost>().Scheduler;
        await scheduler.Shutdown(waitForJobsToComplete: true);

        using var response = await client.GetAsync("/health/ready");
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(body["checks"]!["scheduler"]!["status"]!.GetValue<string>(), Is.EqualTo("unhealthy"));
            Assert.That(body["checks"]!["database"]!["status"]!.GetValue<string>(), Is.EqualTo("healthy"));
        }
    }

    /// <summary>The names (lower case) of the Quartz tables in the database: information_schema on PostgreSQL, sqlite_master on SQLite.</summary>
    private static async Task<List<string>> QuartzTablesAsync(TestDatabase db)
    {
        var sql = db.Provider == StorageProvider.Sqlite
            ? "SELECT lower(name) FROM sqlite_master WHERE type = 'table' AND lower(name) LIKE 'qrtz!_%' ESCAPE '!'"
            : "SELECT lower(table_name) FROM information_schema.tables WHERE table_schema = current_schema() AND lower(table_name) LIKE 'qrtz!_%' ESCAPE '!'";
        await using var connection = await db.Database.OpenAsync(default);
        return [.. (await Dapper.SqlMapper.QueryAsync<string>(connection, sql)).Order(StringComparer.Ordinal)];
    }

    private static async Task<long> CountAsync(TestDatabase db, string table)
    {
        await using var connection = await db.Database.OpenAsync(default);
        return await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, $"SELECT COUNT(*) FROM {table}");
    }
}
